// How a join reads the other side's table: the latest value of a key-value table store, or, for a versioned
// store, the latest value or the one current at a given time (Kafka's KTableValueGetter).

import type { StateStore } from '../state/api/state-store.ts';
import type { KeyValueStore } from '../state/api/key-value-store.ts';
import type { ValueAndTimestamp } from '../state/api/value-and-timestamp.ts';
import { isVersionedStore, type VersionedKeyValueStore } from '../state/api/versioned-key-value-store.ts';

export interface TableLookup<K, V> {
  readonly versioned: boolean;
  /** The current value of the key. */
  get(key: K): ValueAndTimestamp<V> | undefined;
  /** The value the key held at `timestamp` (versioned stores); the current value otherwise. */
  getAsOf(key: K, timestamp: number): ValueAndTimestamp<V> | undefined;
}

export function tableLookup<K, V>(store: StateStore): TableLookup<K, V> {
  if (isVersionedStore(store)) {
    const versioned = store as VersionedKeyValueStore<K, V>;
    return {
      versioned: true,
      get: (key) => versioned.get(key),
      getAsOf: (key, timestamp) => versioned.get(key, timestamp),
    };
  }
  const table = store as KeyValueStore<K, ValueAndTimestamp<V>>;
  return {
    versioned: false,
    get: (key) => table.get(key),
    getAsOf: (key) => table.get(key),
  };
}
