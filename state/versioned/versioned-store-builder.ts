// Versioned stores: suppliers naming the engine and the history retention, and the builder composing
// metered → change-logging → versioned logic → ordered write buffer → engine. Versioned stores have no record cache.

import type { Serde } from '../../common/serdes.ts';
import type { StoreBuilder } from '../api/store-builder.ts';
import type { VersionedBytesStoreSupplier } from '../api/versioned-key-value-store.ts';
import { OrderedWriteBuffer } from '../join-buffer/ordered-write-buffer.ts';
import { inMemoryKeyValueStoreSupplier } from '../memory/in-memory-key-value-store.ts';
import { rocksDbKeyValueStoreSupplier } from '../rocksdb/rocksdb-key-value-store.ts';
import { ChangeLoggingVersionedBytesStore } from './change-logging-versioned-bytes-store.ts';
import { MeteredVersionedKeyValueStore } from './metered-versioned-key-value-store.ts';
import { KeyValueVersionedBytesStore, type VersionedBytesStore } from './versioned-bytes-store.ts';

/** Compaction must not remove versions a restore still needs: Kafka waits the retention plus a day. */
const CHANGELOG_EXTRA_LAG_MS = 24 * 60 * 60 * 1000;

export function versionedStoreSupplier(name: string, historyRetentionMs: number, persistent: boolean): VersionedBytesStoreSupplier {
  const engine = persistent ? rocksDbKeyValueStoreSupplier(name) : inMemoryKeyValueStoreSupplier(name);
  return { name, historyRetentionMs, persistent, metricsScope: engine.metricsScope, engine };
}

export class VersionedKeyValueStoreBuilder<K, V> implements StoreBuilder<MeteredVersionedKeyValueStore<K, V>> {
  readonly supplier: VersionedBytesStoreSupplier;
  readonly keySerde: Serde<K> | undefined;
  readonly valueSerde: Serde<V> | undefined;
  readonly cachingEnabled = false;
  #logging = true;
  #logConfig: Readonly<Record<string, string>>;

  constructor(supplier: VersionedBytesStoreSupplier, keySerde: Serde<K> | undefined, valueSerde: Serde<V> | undefined) {
    this.supplier = supplier;
    this.keySerde = keySerde;
    this.valueSerde = valueSerde;
    this.#logConfig = { 'min.compaction.lag.ms': String(supplier.historyRetentionMs + CHANGELOG_EXTRA_LAG_MS) };
  }

  get name(): string {
    return this.supplier.name;
  }
  get persistent(): boolean {
    return this.supplier.persistent;
  }
  get historyRetentionMs(): number {
    return this.supplier.historyRetentionMs;
  }
  get loggingEnabled(): boolean {
    return this.#logging;
  }
  get logConfig(): Readonly<Record<string, string>> {
    return this.#logConfig;
  }

  withLoggingEnabled(config: Readonly<Record<string, string>> = {}): this {
    this.#logging = true;
    this.#logConfig = { ...this.#logConfig, ...config };
    return this;
  }
  withLoggingDisabled(): this {
    this.#logging = false;
    return this;
  }

  build(): MeteredVersionedKeyValueStore<K, V> {
    let store: VersionedBytesStore = new KeyValueVersionedBytesStore(
      this.name,
      new OrderedWriteBuffer(this.supplier.engine.get()),
      this.supplier.historyRetentionMs,
    );
    if (this.#logging) store = new ChangeLoggingVersionedBytesStore(store);
    return new MeteredVersionedKeyValueStore<K, V>(store, this.keySerde, this.valueSerde, this.supplier.metricsScope);
  }
}
