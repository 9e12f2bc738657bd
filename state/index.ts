// Public surface of the state layer.
export type { KeyValueStore, ReadOnlyKeyValueStore, KeyValueBytesStore, KeyValueBytesStoreSupplier } from './api/key-value-store.ts';
export type { StateStore, StateStoreContext, ChangelogRecord } from './api/state-store.ts';
export type { StoreBuilder } from './api/store-builder.ts';
export { type ValueAndTimestamp, valueAndTimestamp, timestampedSerde } from './api/value-and-timestamp.ts';
export { Stores, KeyValueStoreBuilder, type TimestampedKeyValueStore } from './stores.ts';
export { MeteredKeyValueStore } from './metered/metered-key-value-store.ts';
export { CachingKeyValueStore } from './caching/caching-key-value-store.ts';
export { InMemoryKeyValueStore } from './memory/in-memory-key-value-store.ts';
export type { WindowStore, ReadOnlyWindowStore, WindowBytesStoreSupplier } from './api/window-store.ts';
export type { SessionStore, ReadOnlySessionStore, SessionBytesStoreSupplier } from './api/session-store.ts';
export { type Window, type Windowed, type WindowedSerde, windowed, WindowedSerdes } from './api/windowed.ts';
export { WindowStoreBuilder, SessionStoreBuilder } from './windowed-store-builders.ts';
export { MeteredWindowStore } from './metered/metered-window-store.ts';
export { MeteredSessionStore } from './metered/metered-session-store.ts';
export type { TtlOptions } from './ttl/ttl-key-value-store.ts';
export {
  type VersionedKeyValueStore,
  type ReadOnlyVersionedKeyValueStore,
  type VersionedRecord,
  type VersionedBytesStoreSupplier,
  VersionedPut,
  isVersionedStore,
} from './api/versioned-key-value-store.ts';
export { VersionedKeyValueStoreBuilder } from './versioned/versioned-store-builder.ts';
export { MeteredVersionedKeyValueStore } from './versioned/metered-versioned-key-value-store.ts';
export type { JoinWindowBuffer } from './join-buffer/join-window-buffer.ts';
export type { OuterJoinBuffer } from './join-buffer/outer-join-buffer.ts';
