// Turns a Materialized into a store builder: timestamped key-value store, caching and logging on by default.

import { TopologyError } from '../common/errors.ts';
import type { Serde } from '../common/serdes.ts';
import { inMemoryKeyValueStoreSupplier } from '../state/memory/in-memory-key-value-store.ts';
import { rocksDbKeyValueStoreSupplier } from '../state/rocksdb/rocksdb-key-value-store.ts';
import { KeyValueStoreBuilder } from '../state/stores.ts';
import type { ValueAndTimestamp } from '../state/api/value-and-timestamp.ts';
import type { Materialized } from './options.ts';
import type { StreamsBuilder } from './streams-builder.ts';

export function materializeTable<K, V>(
  builder: StreamsBuilder,
  materialized: Materialized<K, V>,
  generatedPrefix: string,
  keySerde: Serde<K> | undefined,
  valueSerde: Serde<V> | undefined,
): KeyValueStoreBuilder<K, ValueAndTimestamp<V>> {
  const name = materialized.storeName ?? builder.newStoreName(generatedPrefix);
  const type = materialized.storeType ?? builder.defaultStoreType;
  if (materialized.supplier !== undefined && 'historyRetentionMs' in materialized.supplier) {
    throw new TopologyError(`store ${name}: a versioned store can back a source table (StreamsBuilder#table/globalTable), not this operation`);
  }
  const supplier =
    materialized.supplier ?? (type === 'in-memory' ? inMemoryKeyValueStoreSupplier(name) : rocksDbKeyValueStoreSupplier(name));
  const store = new KeyValueStoreBuilder<K, ValueAndTimestamp<V>>(
    supplier,
    materialized.keySerde ?? keySerde,
    materialized.valueSerde ?? valueSerde,
    true,
  );
  if (materialized.cachingEnabled ?? true) store.withCachingEnabled();
  else store.withCachingDisabled();
  if (materialized.loggingEnabled ?? true) store.withLoggingEnabled(materialized.logConfig ?? {});
  else store.withLoggingDisabled();
  if (materialized.ttlMs !== undefined) store.withTtl(materialized.ttlMs);
  return store;
}
