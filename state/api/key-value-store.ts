// Key-value stores: typed at the top (through serdes), bytes in the layers below.

import type { KeyValue } from '../../common/record.ts';
import type { Serializer } from '../../common/serdes.ts';
import type { RestoreTarget, StateStore } from './state-store.ts';

export interface ReadOnlyKeyValueStore<K, V> {
  /** undefined when the key is absent. */
  get(key: K): V | undefined;
  /** Entries with from ≤ key ≤ to in key-byte order; a null bound is open. */
  range(from: K | null, to: K | null): KeyValue<K, V>[];
  reverseRange(from: K | null, to: K | null): KeyValue<K, V>[];
  all(): KeyValue<K, V>[];
  reverseAll(): KeyValue<K, V>[];
  /** Entries whose serialized key starts with the serialized prefix. */
  prefixScan<P>(prefix: P, prefixSerializer: Serializer<P>): KeyValue<K, V>[];
  approximateNumEntries(): number;
}

export interface KeyValueStore<K, V> extends StateStore, ReadOnlyKeyValueStore<K, V> {
  /** Writing null deletes the key, as in Kafka Streams. */
  put(key: K, value: V | null): void;
  /** Writes only when absent; returns the value already there, or undefined when it wrote. */
  putIfAbsent(key: K, value: V): V | undefined;
  putAll(entries: ReadonlyArray<KeyValue<K, V | null>>): void;
  /** Returns the old value. */
  delete(key: K): V | undefined;
}

/** The layer contract below the metered store: keys and values as bytes, ordered by unsigned byte comparison. */
export interface KeyValueBytesStore extends KeyValueStore<Buffer, Buffer>, RestoreTarget {
  /**
   * Engines only: deletes every key with from ≤ key < to (from null: from the first key) in one operation. Nothing
   * is logged, so only layers whose deletes need no changelog (retention dropping whole segments) may call it.
   */
  deleteRange?(from: Buffer | null, to: Buffer): void;
}

/** Creates the engine of a store (memory or RocksDB). */
export interface KeyValueBytesStoreSupplier {
  readonly name: string;
  readonly persistent: boolean;
  get(): KeyValueBytesStore;
  /** For describe() and metrics: 'in-memory' | 'rocksdb'. */
  readonly metricsScope: string;
}
