// Forwards every record unchanged: merge points and repartition sources use it.

import type { StreamRecord } from '../common/record.ts';
import type { Processor, ProcessorContext } from './api/processor.ts';

export function passThroughProcessor<K, V>(): () => Processor<K, V> {
  return () => {
    let context: ProcessorContext<K, V>;
    return {
      init: (ctx) => {
        context = ctx;
      },
      process(record: StreamRecord<K, V>) {
        context.forward(record);
      },
    };
  };
}
