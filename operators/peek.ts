// KStream#peek (acts, then forwards) and #foreach (acts, terminal).

import type { StreamRecord } from '../common/record.ts';
import type { Processor, ProcessorContext } from './api/processor.ts';

export function peekProcessor<K, V>(action: (key: K, value: V) => void, forward: boolean): () => Processor<K, V> {
  return () => {
    let context: ProcessorContext<K, V>;
    return {
      init: (ctx) => {
        context = ctx;
      },
      process(record: StreamRecord<K, V>) {
        action(record.key, record.value);
        if (forward) context.forward(record);
      },
    };
  };
}
