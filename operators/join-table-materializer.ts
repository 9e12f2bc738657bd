// Keeps a table's current rows in a store as its updates pass: a join result that was asked to be
// materialized, or a table a join must look up that has no store of its own (a filter or mapValues result).

import type { StreamRecord } from '../common/record.ts';
import type { ValueAndTimestamp } from '../state/api/value-and-timestamp.ts';
import type { MeteredKeyValueStore } from '../state/metered/metered-key-value-store.ts';
import type { Change, Processor, ProcessorContext } from './api/processor.ts';
import { forwardCacheFlushes } from './table-forwarding.ts';

export function joinTableMaterializer<K, V>(storeName: string): () => Processor<K, Change<V>, K, Change<V>> {
  return () => {
    let context: ProcessorContext<K, Change<V>>;
    let store: MeteredKeyValueStore<K, ValueAndTimestamp<V>>;
    let cached = false;
    return {
      init(ctx) {
        context = ctx;
        store = ctx.getStateStore(storeName);
        cached = forwardCacheFlushes(store, ctx);
      },
      process(record: StreamRecord<K, Change<V>>) {
        const newValue = record.value.newValue;
        const old = store.get(record.key);
        // A tombstone for a row that is not there changes nothing, so nothing goes downstream.
        if (newValue === null && old === undefined) return;
        store.put(record.key, newValue === null ? null : { value: newValue, timestamp: record.timestamp });
        if (cached) return;
        context.forward({
          key: record.key,
          value: { newValue, oldValue: old === undefined ? null : old.value },
          timestamp: record.timestamp,
          headers: record.headers,
        });
      },
    };
  };
}
