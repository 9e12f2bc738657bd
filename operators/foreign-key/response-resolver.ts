// Left half of a foreign-key join, last step: an answer counts only if the left row still hashes as it did when
// it subscribed (otherwise a newer change is on its way and this answer is stale); then the row is joined.

import type { StreamRecord } from '../../common/record.ts';
import type { Processor, ProcessorContext } from '../api/processor.ts';
import type { ValueJoiner } from '../value-joiner.ts';
import { type RawTable, rawTable } from './raw-table.ts';
import { sameHash, type SubscriptionResponse, valueHash } from './subscription-wrappers.ts';

export interface ResponseResolverSpec<V, VO, VR> {
  readonly leftStoreName: string;
  readonly joiner: ValueJoiner<V, VO | null, VR>;
  readonly leftJoin: boolean;
}

/** Emits the join result per left key (null retracts it); a result table turns them into changes. */
export function responseResolverProcessor<K, V, VO, VR>(
  spec: ResponseResolverSpec<V, VO, VR>,
): () => Processor<Buffer, SubscriptionResponse<VO>, K, VR | null> {
  const { joiner, leftJoin } = spec;
  return () => {
    let context: ProcessorContext<K, VR | null>;
    let left: RawTable<K, V>;
    return {
      init(ctx) {
        context = ctx;
        left = rawTable(ctx.getStateStore(spec.leftStoreName));
      },
      process(record: StreamRecord<Buffer, SubscriptionResponse<VO>>) {
        const response = record.value;
        const row = left.get(record.key);
        if (!sameHash(response.hash, row === undefined ? null : valueHash(row.bytes))) return;
        const key = left.key(record.key);
        const foreignValue = response.foreignValue;
        let result: VR | null = null;
        if (row !== undefined && (foreignValue !== null || leftJoin)) result = joiner(left.decode(row), foreignValue, key);
        context.forward({ key, value: result, timestamp: record.timestamp, headers: record.headers });
      },
    };
  };
}
