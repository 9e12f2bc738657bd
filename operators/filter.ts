// KStream#filter and #filterNot: forward the record unchanged when the predicate says so.

import type { StreamRecord } from '../common/record.ts';
import type { Processor, ProcessorContext } from './api/processor.ts';

export type Predicate<K, V> = (key: K, value: V) => boolean;

export function filterProcessor<K, V>(predicate: Predicate<K, V>, filterNot: boolean): () => Processor<K, V> {
  return () => {
    let context: ProcessorContext<K, V>;
    return {
      init: (ctx) => {
        context = ctx;
      },
      process(record: StreamRecord<K, V>) {
        if (predicate(record.key, record.value) !== filterNot) context.forward(record);
      },
    };
  };
}
