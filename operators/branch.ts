// KStream#split: each record goes to the first branch whose predicate accepts it (or the default branch).

import type { StreamRecord } from '../common/record.ts';
import type { Processor, ProcessorContext } from './api/processor.ts';
import type { Predicate } from './filter.ts';

export function branchProcessor<K, V>(
  predicates: ReadonlyArray<Predicate<K, V>>,
  childNames: readonly string[],
  defaultChild: string | null,
): () => Processor<K, V> {
  return () => {
    let context: ProcessorContext<K, V>;
    return {
      init: (ctx) => {
        context = ctx;
      },
      process(record: StreamRecord<K, V>) {
        for (let i = 0; i < predicates.length; i++) {
          if (predicates[i](record.key, record.value)) {
            context.forward(record, childNames[i]);
            return;
          }
        }
        if (defaultChild !== null) context.forward(record, defaultChild);
      },
    };
  };
}
