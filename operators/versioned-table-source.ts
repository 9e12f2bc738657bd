// Materializes a changelog stream into a versioned table: every record becomes a version of its key. Only a
// record that becomes the latest version changes the table downstream; an out-of-order record (older than the
// key's latest version) lands in the history, where timestamped joins find it, and is not forwarded.

import type { Sensor } from '../common/metrics.ts';
import type { StreamRecord } from '../common/record.ts';
import { type VersionedKeyValueStore, VersionedPut } from '../state/api/versioned-key-value-store.ts';
import type { Change, Processor, ProcessorContext } from './api/processor.ts';

export function versionedTableSourceProcessor<K, V>(storeName: string, forward: boolean): () => Processor<K, V, K, Change<V>> {
  return () => {
    let context: ProcessorContext<K, Change<V>>;
    let store: VersionedKeyValueStore<K, V>;
    let droppedNullKey: Sensor;
    let droppedExpired: Sensor;
    return {
      init(ctx) {
        context = ctx;
        store = ctx.getStateStore(storeName);
        droppedNullKey = ctx.metrics.sensor('dropped_records', { task_id: ctx.taskId, reason: 'null_key' });
        droppedExpired = ctx.metrics.sensor('dropped_records', { task_id: ctx.taskId, reason: 'expired' });
      },
      process(record: StreamRecord<K, V>) {
        if (record.key === null || record.key === undefined) {
          droppedNullKey.record();
          return;
        }
        const old = forward ? store.get(record.key) : undefined;
        const result = store.put(record.key, record.value, record.timestamp);
        if (result === VersionedPut.NOT_PUT) {
          droppedExpired.record();
          return;
        }
        if (!forward || result !== VersionedPut.LATEST) return;
        if (record.value === null && old === undefined) return;
        context.forward({
          key: record.key,
          value: { newValue: record.value, oldValue: old === undefined ? null : old.value },
          timestamp: record.timestamp,
          headers: record.headers,
        });
      },
    };
  };
}
