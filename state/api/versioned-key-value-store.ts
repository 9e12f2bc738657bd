// Versioned key-value stores: every key keeps its history of values within a retention window, so a lookup can
// ask what a key held at a given time (Kafka's VersionedKeyValueStore, KIP-889).

import type { KeyValueBytesStoreSupplier } from './key-value-store.ts';
import type { StateStore } from './state-store.ts';

/** A value and the time range it was current in: [timestamp, validTo); validTo undefined while it still is. */
export interface VersionedRecord<V> {
  readonly value: V;
  readonly timestamp: number;
  readonly validTo: number | undefined;
}

/** What `put` answers (Kafka's codes): the record is the latest, was not stored, or is history valid until T. */
export const VersionedPut = {
  /** The record is now the latest version of its key. */
  LATEST: -1,
  /** The record is older than the history retention allows; nothing was stored. */
  NOT_PUT: Number.MIN_SAFE_INTEGER,
} as const;

export interface ReadOnlyVersionedKeyValueStore<K, V> {
  readonly historyRetentionMs: number;
  /** The latest version, or undefined when the key is absent or its latest version is a tombstone. */
  get(key: K): VersionedRecord<V> | undefined;
  /**
   * The version current at `asOfTimestamp`: the one with the largest timestamp ≤ asOfTimestamp. Undefined when
   * there is none, it is a tombstone, or the time is older than the retention (stream time − historyRetentionMs).
   */
  get(key: K, asOfTimestamp: number): VersionedRecord<V> | undefined;
}

export interface VersionedKeyValueStore<K, V> extends StateStore, ReadOnlyVersionedKeyValueStore<K, V> {
  /**
   * Adds a version (null: a tombstone) at `timestamp`. Returns VersionedPut.LATEST when it became the latest,
   * VersionedPut.NOT_PUT when it was too old to keep, and otherwise the time until which it is valid.
   */
  put(key: K, value: V | null, timestamp: number): number;
  /** Puts a tombstone at `timestamp`; returns the version that was current at that time, if any. */
  delete(key: K, timestamp: number): VersionedRecord<V> | undefined;
}

export function isVersionedStore(store: StateStore): store is VersionedKeyValueStore<unknown, unknown> {
  return typeof (store as { historyRetentionMs?: unknown }).historyRetentionMs === 'number';
}

/** Names a versioned store and the key-value engine (memory or RocksDB) it keeps its versions in. */
export interface VersionedBytesStoreSupplier {
  readonly name: string;
  readonly historyRetentionMs: number;
  readonly persistent: boolean;
  /** For describe() and metrics: 'in-memory' | 'rocksdb'. */
  readonly metricsScope: string;
  readonly engine: KeyValueBytesStoreSupplier;
}
