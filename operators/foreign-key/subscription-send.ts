// Left half of a foreign-key join, first step: each change of a left row subscribes the row to its foreign key
// (and unsubscribes it from a previous one), carrying a hash of the row's value so stale answers can be spotted.

import type { Sensor } from '../../common/metrics.ts';
import type { StreamRecord } from '../../common/record.ts';
import type { Serializer } from '../../common/serdes.ts';
import type { Change, Processor, ProcessorContext } from '../api/processor.ts';
import { type RawTable, rawTable } from './raw-table.ts';
import { type Subscription, SubscriptionInstruction, valueHash } from './subscription-wrappers.ts';

export interface SubscriptionSendSpec<K, V, KO> {
  readonly leftStoreName: string;
  readonly foreignKeyExtractor: (value: V, key: K) => KO | null | undefined;
  readonly leftJoin: boolean;
  /** Serializer of foreign keys when known; keys are compared by their bytes, as Kafka does. */
  readonly foreignKeySerializer: Serializer<KO> | undefined;
}

/** The partition of the task, where answers for its rows must come back. */
export function taskPartition(context: ProcessorContext<any, any>): number {
  const metadata = context.recordMetadata();
  if (metadata !== null) return metadata.partition;
  // Inside cache flushes there is no current record; task ids are `<subtopology>_<partition>`.
  const match = /_(\d+)$/.exec(context.taskId);
  return match === null ? -1 : Number(match[1]);
}

export function subscriptionSendProcessor<K, V, KO>(spec: SubscriptionSendSpec<K, V, KO>): () => Processor<K, Change<V>, KO | null, Subscription> {
  const { foreignKeyExtractor, leftJoin, foreignKeySerializer } = spec;
  const extract = (value: V | null, key: K): KO | null => {
    if (value === null) return null;
    return foreignKeyExtractor(value, key) ?? null;
  };
  const sameForeignKey = (a: KO | null, b: KO | null): boolean => {
    if (a === b) return true;
    if (a === null || b === null) return false;
    if (foreignKeySerializer !== undefined) return foreignKeySerializer.serialize(a)!.equals(foreignKeySerializer.serialize(b)!);
    return JSON.stringify(a) === JSON.stringify(b);
  };

  return () => {
    let context: ProcessorContext<KO | null, Subscription>;
    let left: RawTable<K, V>;
    let dropped: Sensor;
    return {
      init(ctx) {
        context = ctx;
        left = rawTable(ctx.getStateStore(spec.leftStoreName));
        dropped = ctx.metrics.sensor('dropped_records', { task_id: ctx.taskId, reason: 'null_foreign_key' });
      },
      process(record: StreamRecord<K, Change<V>>) {
        const { newValue, oldValue } = record.value;
        if (newValue === null && oldValue === null) return;
        const primaryKey = left.keyBytes(record.key);
        // The row's current bytes, the same ones the response side will hash.
        const current = newValue === null ? undefined : left.get(primaryKey);
        const hash = current === undefined ? null : valueHash(current.bytes);
        const primaryPartition = taskPartition(context);
        const send = (foreignKey: KO | null, instruction: SubscriptionInstruction) =>
          context.forward({
            key: foreignKey,
            value: { hash, instruction, primaryKey, primaryPartition },
            timestamp: record.timestamp,
            headers: record.headers,
          });
        const oldForeignKey = extract(oldValue, record.key);
        const newForeignKey = extract(newValue, record.key);

        if (leftJoin) {
          if (oldForeignKey !== null && !sameForeignKey(newForeignKey, oldForeignKey)) {
            send(oldForeignKey, SubscriptionInstruction.DELETE_KEY_NO_PROPAGATE);
          }
          // Always ask for an answer, even for a deleted row or a null foreign key: a left join always has a
          // result (or a tombstone) for the row. A null-key subscription is answered without being stored.
          send(newForeignKey, SubscriptionInstruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE);
          return;
        }

        if (newValue === null) {
          if (oldForeignKey !== null) send(oldForeignKey, SubscriptionInstruction.DELETE_KEY_AND_PROPAGATE);
          return;
        }
        if (newForeignKey === null) {
          dropped.record();
          // The row no longer joins anything: retract what it joined before.
          if (oldForeignKey !== null) send(oldForeignKey, SubscriptionInstruction.DELETE_KEY_AND_PROPAGATE);
          return;
        }
        if (oldForeignKey === null) {
          // A new subscription: nothing to retract, so an answer is needed only when there is a match.
          send(newForeignKey, SubscriptionInstruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE);
        } else if (!sameForeignKey(newForeignKey, oldForeignKey)) {
          // The old key may live on another partition: unsubscribe there, and have the new key answer even
          // without a match so the previous result is retracted.
          send(oldForeignKey, SubscriptionInstruction.DELETE_KEY_NO_PROPAGATE);
          send(newForeignKey, SubscriptionInstruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE);
        } else {
          // Same key: without a match the old row did not join either, so a null answer would retract nothing.
          send(newForeignKey, SubscriptionInstruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE);
        }
      },
    };
  };
}
