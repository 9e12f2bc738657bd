// Public surface of the state layer.
export type { KeyValueStore, ReadOnlyKeyValueStore, KeyValueBytesStore, KeyValueBytesStoreSupplier } from './api/key-value-store.ts';
export type { StateStore, StateStoreContext, ChangelogRecord } from './api/state-store.ts';
export type { StoreBuilder } from './api/store-builder.ts';
export { type ValueAndTimestamp, valueAndTimestamp, timestampedSerde } from './api/value-and-timestamp.ts';
export { Stores, KeyValueStoreBuilder, type TimestampedKeyValueStore } from './stores.ts';
export { MeteredKeyValueStore } from './metered/metered-key-value-store.ts';
export { CachingKeyValueStore } from './caching/caching-key-value-store.ts';
export { InMemoryKeyValueStore } from './memory/in-memory-key-value-store.ts';
