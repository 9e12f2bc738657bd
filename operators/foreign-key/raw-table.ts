// Byte-level access to a table store for the foreign-key join: rows are read as their stored value bytes, so
// they can be hashed and passed between the join's halves without decoding and re-encoding them.

import { StateStoreError } from '../../common/errors.ts';
import type { StateStore } from '../../state/api/state-store.ts';
import type { ValueAndTimestamp } from '../../state/api/value-and-timestamp.ts';
import { readTimestamp } from '../../state/join-buffer/buffer-keys.ts';
import { MeteredKeyValueStore } from '../../state/metered/metered-key-value-store.ts';

export interface RawRow {
  /** The value's own bytes, as its serde wrote them. */
  readonly bytes: Buffer;
  readonly timestamp: number;
  /** The row as the store holds it (what `decode` reads). */
  readonly stored: Buffer;
}

export interface RawTable<K, V> {
  keyBytes(key: K): Buffer;
  key(bytes: Buffer): K;
  get(keyBytes: Buffer): RawRow | undefined;
  decode(row: RawRow): V;
}

/** A store that can answer with raw rows itself (the versioned stores do). */
export interface RawRowSource<K, V> {
  rawTable(): RawTable<K, V>;
}

export function rawTable<K, V>(store: StateStore): RawTable<K, V> {
  const source = store as Partial<RawRowSource<K, V>>;
  if (typeof source.rawTable === 'function') return source.rawTable();
  if (!(store instanceof MeteredKeyValueStore)) {
    throw new StateStoreError(`foreign-key join: store ${store.name} is not a table store`);
  }
  const table = store as MeteredKeyValueStore<K, ValueAndTimestamp<V>>;
  return {
    keyBytes(key) {
      const bytes = table.keySerde.serialize(key, table.name);
      if (bytes === null) throw new StateStoreError(`store ${table.name}: a null key has no row`);
      return bytes;
    },
    key: (bytes) => table.keySerde.deserialize(bytes, table.name) as K,
    get(keyBytes) {
      // Timestamped rows are [timestamp:8][value bytes].
      const stored = table.inner.get(keyBytes);
      if (stored === undefined) return undefined;
      return { bytes: stored.subarray(8), timestamp: readTimestamp(stored, 0), stored };
    },
    decode: (row) => (table.valueSerde.deserialize(row.stored, table.name) as ValueAndTimestamp<V>).value,
  };
}
