// Right half of a foreign-key join, for changes of the right table: every left row subscribed to the changed
// key (a prefix scan of the subscription store) gets an answer with the key's new value, or null when deleted.

import type { StreamRecord } from '../../common/record.ts';
import type { KeyValueStore } from '../../state/api/key-value-store.ts';
import { RAW_PREFIX } from '../../state/join-buffer/buffer-keys.ts';
import type { Change, Processor, ProcessorContext } from '../api/processor.ts';
import { type RawTable, rawTable } from './raw-table.ts';
import { decodeStoredSubscription, type SubscriptionResponse, subscriptionStorePrefix } from './subscription-wrappers.ts';

export interface ForeignTableJoinSpec {
  readonly subscriptionStoreName: string;
  readonly rightStoreName: string;
}

export function foreignTableJoinProcessor<KO, VO>(spec: ForeignTableJoinSpec): () => Processor<KO, Change<VO>, Buffer, SubscriptionResponse<Buffer>> {
  return () => {
    let context: ProcessorContext<Buffer, SubscriptionResponse<Buffer>>;
    let subscriptions: KeyValueStore<Buffer, Buffer>;
    let right: RawTable<KO, VO>;
    return {
      init(ctx) {
        context = ctx;
        subscriptions = ctx.getStateStore(spec.subscriptionStoreName);
        right = rawTable(ctx.getStateStore(spec.rightStoreName));
      },
      process(record: StreamRecord<KO, Change<VO>>) {
        if (record.key === null || record.key === undefined) return;
        const foreignKey = right.keyBytes(record.key);
        const prefix = subscriptionStorePrefix(foreignKey);
        // The store already holds the new row: its bytes go out as they are.
        const foreignValue = record.value.newValue === null ? null : (right.get(foreignKey)?.bytes ?? null);
        for (const entry of subscriptions.prefixScan(prefix, RAW_PREFIX)) {
          const stored = decodeStoredSubscription(entry.value);
          context.forward({
            key: entry.key.subarray(prefix.length),
            value: { hash: stored.hash, foreignValue, primaryPartition: stored.primaryPartition },
            timestamp: record.timestamp,
            headers: record.headers,
          });
        }
      },
    };
  };
}
