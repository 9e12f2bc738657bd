// KGroupedStream#count/#aggregate/#reduce: folds each record into the key's aggregate in a timestamped store
// and emits the new aggregate as a KTable update (through the record cache when the store has one).

import type { Sensor } from '../common/metrics.ts';
import type { StreamRecord } from '../common/record.ts';
import type { ValueAndTimestamp } from '../state/api/value-and-timestamp.ts';
import type { MeteredKeyValueStore } from '../state/metered/metered-key-value-store.ts';
import type { Change, Processor, ProcessorContext } from './api/processor.ts';
import { forwardCacheFlushes } from './table-forwarding.ts';

export type Initializer<VA> = () => VA;
export type Aggregator<K, V, VA> = (key: K, value: V, aggregate: VA) => VA;
export type Reducer<V> = (aggregate: V, value: V) => V;

/** `reducer` set: reduce semantics (the first value is the aggregate; null values are skipped). */
export interface StreamAggregation<K, V, VA> {
  readonly storeName: string;
  readonly initializer?: Initializer<VA>;
  readonly aggregator?: Aggregator<K, V, VA>;
  readonly reducer?: Reducer<V>;
}

export function streamAggregateProcessor<K, V, VA>(spec: StreamAggregation<K, V, VA>): () => Processor<K, V, K, Change<VA>> {
  return () => {
    let context: ProcessorContext<K, Change<VA>>;
    let store: MeteredKeyValueStore<K, ValueAndTimestamp<VA>>;
    let cached = false;
    let dropped: Sensor;
    return {
      init(ctx) {
        context = ctx;
        store = ctx.getStateStore(spec.storeName);
        cached = forwardCacheFlushes(store, ctx);
        dropped = ctx.metrics.sensor('dropped_records', { task_id: ctx.taskId, reason: 'null_key_or_value' });
      },
      process(record: StreamRecord<K, V>) {
        if (record.key === null || record.key === undefined || (spec.reducer !== undefined && record.value === null)) {
          dropped.record();
          return;
        }
        const old = store.get(record.key);
        let aggregate: VA;
        if (spec.reducer !== undefined) {
          aggregate = (old === undefined ? record.value : spec.reducer(old.value as unknown as V, record.value)) as unknown as VA;
        } else {
          aggregate = spec.aggregator!(record.key, record.value, old === undefined ? spec.initializer!() : old.value);
        }
        const timestamp = old === undefined ? record.timestamp : Math.max(old.timestamp, record.timestamp);
        store.put(record.key, { value: aggregate, timestamp });
        if (!cached) {
          context.forward({
            key: record.key,
            value: { newValue: aggregate, oldValue: old === undefined ? null : old.value },
            timestamp,
            headers: record.headers,
          });
        }
      },
    };
  };
}
