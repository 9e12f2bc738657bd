// Materializes a changelog stream into a table (StreamsBuilder#table, KStream#toTable, global tables):
// each record upserts its key, a null value deletes it, and the change goes downstream as new/old values.

import type { Sensor } from '../common/metrics.ts';
import type { StreamRecord } from '../common/record.ts';
import type { ValueAndTimestamp } from '../state/api/value-and-timestamp.ts';
import type { MeteredKeyValueStore } from '../state/metered/metered-key-value-store.ts';
import type { Change, Processor, ProcessorContext } from './api/processor.ts';
import { forwardCacheFlushes } from './table-forwarding.ts';

export function tableSourceProcessor<K, V>(storeName: string, forward: boolean): () => Processor<K, V, K, Change<V>> {
  return () => {
    let context: ProcessorContext<K, Change<V>>;
    let store: MeteredKeyValueStore<K, ValueAndTimestamp<V>>;
    let cached = false;
    let dropped: Sensor;
    return {
      init(ctx) {
        context = ctx;
        store = ctx.getStateStore(storeName);
        cached = forward && forwardCacheFlushes(store, ctx);
        dropped = ctx.metrics.sensor('dropped_records', { task_id: ctx.taskId, reason: 'null_key' });
      },
      process(record: StreamRecord<K, V>) {
        if (record.key === null || record.key === undefined) {
          dropped.record();
          return;
        }
        const old = store.get(record.key);
        if (record.value === null && old === undefined) return;
        store.put(record.key, record.value === null ? null : { value: record.value, timestamp: record.timestamp });
        if (forward && !cached) {
          context.forward({
            key: record.key,
            value: { newValue: record.value, oldValue: old === undefined ? null : old.value },
            timestamp: record.timestamp,
            headers: record.headers,
          });
        }
      },
    };
  };
}
