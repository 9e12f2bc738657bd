// KTable#groupBy: re-keys each change (table-repartition-map), and the grouped table's aggregate applies
// subtract (old row) and add (new row) as one update, so no half-applied aggregate is ever emitted.

import type { StreamRecord } from '../common/record.ts';
import type { Serializer } from '../common/serdes.ts';
import type { ValueAndTimestamp } from '../state/api/value-and-timestamp.ts';
import type { MeteredKeyValueStore } from '../state/metered/metered-key-value-store.ts';
import type { Change, Processor, ProcessorContext } from './api/processor.ts';
import type { Initializer } from './stream-aggregate.ts';
import { forwardCacheFlushes } from './table-forwarding.ts';

export function tableRepartitionMapProcessor<K, V, KR, VR>(
  selector: (key: K, value: V) => { key: KR; value: VR },
  keySerializer: Serializer<KR>,
): () => Processor<K, Change<V>, KR, Change<VR>> {
  const sameKey = (a: KR, b: KR) => a === b || Buffer.compare(keySerializer.serialize(a)!, keySerializer.serialize(b)!) === 0;
  return () => {
    let context: ProcessorContext<KR, Change<VR>>;
    return {
      init: (ctx) => {
        context = ctx;
      },
      process(record: StreamRecord<K, Change<V>>) {
        const { newValue, oldValue } = record.value;
        const added = newValue === null ? null : selector(record.key, newValue);
        const removed = oldValue === null ? null : selector(record.key, oldValue);
        const base = { timestamp: record.timestamp, headers: record.headers };
        if (added !== null && removed !== null && sameKey(added.key, removed.key)) {
          context.forward({ key: added.key, value: { newValue: added.value, oldValue: removed.value }, ...base });
          return;
        }
        if (removed !== null) context.forward({ key: removed.key, value: { newValue: null, oldValue: removed.value }, ...base });
        if (added !== null) context.forward({ key: added.key, value: { newValue: added.value, oldValue: null }, ...base });
      },
    };
  };
}

export interface TableAggregation<K, V, VA> {
  readonly storeName: string;
  /** Aggregate: start value. Absent for reduce, where the first added value becomes the aggregate. */
  readonly initializer?: Initializer<VA>;
  readonly adder: (key: K, value: V, aggregate: VA) => VA;
  readonly subtractor: (key: K, value: V, aggregate: VA) => VA;
}

export function tableAggregateProcessor<K, V, VA>(spec: TableAggregation<K, V, VA>): () => Processor<K, Change<V>, K, Change<VA>> {
  return () => {
    let context: ProcessorContext<K, Change<VA>>;
    let store: MeteredKeyValueStore<K, ValueAndTimestamp<VA>>;
    let cached = false;
    return {
      init(ctx) {
        context = ctx;
        store = ctx.getStateStore(spec.storeName);
        cached = forwardCacheFlushes(store, ctx);
      },
      process(record: StreamRecord<K, Change<V>>) {
        if (record.key === null || record.key === undefined) return;
        const old = store.get(record.key);
        let aggregate: VA | null = old === undefined ? (spec.initializer?.() ?? null) : old.value;
        const { newValue, oldValue } = record.value;
        if (oldValue !== null && aggregate !== null) aggregate = spec.subtractor(record.key, oldValue, aggregate);
        if (newValue !== null) {
          aggregate = aggregate === null ? (newValue as unknown as VA) : spec.adder(record.key, newValue, aggregate);
        }
        const timestamp = old === undefined ? record.timestamp : Math.max(old.timestamp, record.timestamp);
        store.put(record.key, aggregate === null ? null : { value: aggregate, timestamp });
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
