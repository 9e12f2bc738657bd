// Right half of a foreign-key join, for subscriptions: record (or drop) the left row's subscription to its
// foreign key, and answer with the foreign row's current value as the instruction asks.

import type { Sensor } from '../../common/metrics.ts';
import type { StreamRecord } from '../../common/record.ts';
import type { KeyValueStore } from '../../state/api/key-value-store.ts';
import type { Processor, ProcessorContext } from '../api/processor.ts';
import { type RawTable, rawTable } from './raw-table.ts';
import {
  encodeStoredSubscription,
  type Subscription,
  SubscriptionInstruction,
  type SubscriptionResponse,
  subscriptionStoreKey,
} from './subscription-wrappers.ts';

export interface SubscriptionReceiveSpec {
  readonly subscriptionStoreName: string;
  readonly rightStoreName: string;
}

/** Keys arrive as the foreign key's bytes; answers go out keyed by the left row's key bytes. */
export function subscriptionReceiveProcessor(
  spec: SubscriptionReceiveSpec,
): () => Processor<Buffer | null, Subscription, Buffer, SubscriptionResponse<Buffer>> {
  return () => {
    let context: ProcessorContext<Buffer, SubscriptionResponse<Buffer>>;
    let subscriptions: KeyValueStore<Buffer, Buffer>;
    let right: RawTable<unknown, unknown>;
    let dropped: Sensor;
    return {
      init(ctx) {
        context = ctx;
        subscriptions = ctx.getStateStore(spec.subscriptionStoreName);
        right = rawTable(ctx.getStateStore(spec.rightStoreName));
        dropped = ctx.metrics.sensor('dropped_records', { task_id: ctx.taskId, reason: 'null_foreign_key' });
      },
      process(record: StreamRecord<Buffer | null, Subscription>) {
        const subscription = record.value;
        const answer = (foreignValue: Buffer | null, timestamp: number) =>
          context.forward({
            key: subscription.primaryKey,
            value: { hash: subscription.hash, foreignValue, primaryPartition: subscription.primaryPartition },
            timestamp,
            headers: record.headers,
          });
        const foreignKey = record.key;
        if (foreignKey === null) {
          // Only left joins send null-key subscriptions: they want a result with no foreign value.
          if (subscription.instruction === SubscriptionInstruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE) answer(null, record.timestamp);
          else dropped.record();
          return;
        }
        const storeKey = subscriptionStoreKey(foreignKey, subscription.primaryKey);
        if (
          subscription.instruction === SubscriptionInstruction.DELETE_KEY_AND_PROPAGATE ||
          subscription.instruction === SubscriptionInstruction.DELETE_KEY_NO_PROPAGATE
        ) {
          subscriptions.delete(storeKey);
        } else {
          subscriptions.put(storeKey, encodeStoredSubscription(record.timestamp, subscription.primaryPartition, subscription.hash!));
        }

        const foreign = right.get(foreignKey);
        const timestamp = foreign === undefined ? record.timestamp : Math.max(record.timestamp, foreign.timestamp);
        switch (subscription.instruction) {
          case SubscriptionInstruction.DELETE_KEY_AND_PROPAGATE:
            answer(null, timestamp);
            break;
          case SubscriptionInstruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE:
            answer(foreign === undefined ? null : foreign.bytes, timestamp);
            break;
          case SubscriptionInstruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE:
            if (foreign !== undefined) answer(foreign.bytes, timestamp);
            break;
          default:
            break;
        }
      },
    };
  };
}
