// Stores: factory of engines (suppliers) and of builders that compose the layers
// metered → caching → change-logging → engine.

import { ConfigError } from '../common/errors.ts';
import type { Serde } from '../common/serdes.ts';
import type { KeyValueBytesStore, KeyValueBytesStoreSupplier, KeyValueStore } from './api/key-value-store.ts';
import type { StoreBuilder } from './api/store-builder.ts';
import { timestampedSerde, type ValueAndTimestamp } from './api/value-and-timestamp.ts';
import { CachingKeyValueStore } from './caching/caching-key-value-store.ts';
import { checkReadCacheEntries, DEFAULT_READ_CACHE_ENTRIES } from './caching/read-cache.ts';
import { ChangeLoggingKeyValueStore } from './changelog/change-logging-key-value-store.ts';
import { inMemoryKeyValueStoreSupplier } from './memory/in-memory-key-value-store.ts';
import { MeteredKeyValueStore } from './metered/metered-key-value-store.ts';
import { rocksDbKeyValueStoreSupplier } from './rocksdb/rocksdb-key-value-store.ts';
import type { SessionBytesStoreSupplier } from './api/session-store.ts';
import type { WindowBytesStoreSupplier } from './api/window-store.ts';
import { inMemorySessionStoreSupplier } from './memory/in-memory-session-store.ts';
import { inMemoryWindowStoreSupplier } from './memory/in-memory-window-store.ts';
import { rocksDbSessionStoreSupplier } from './rocksdb/rocksdb-session-store.ts';
import { rocksDbWindowStoreSupplier } from './rocksdb/rocksdb-window-store.ts';
import { checkTtl, TtlFilterStore, TtlPurgeStore, type TtlOptions } from './ttl/ttl-key-value-store.ts';
import { SessionStoreBuilder, WindowStoreBuilder } from './windowed-store-builders.ts';
import type { VersionedBytesStoreSupplier } from './api/versioned-key-value-store.ts';
import { VersionedKeyValueStoreBuilder, versionedStoreSupplier } from './versioned/versioned-store-builder.ts';

export class KeyValueStoreBuilder<K, V> implements StoreBuilder<MeteredKeyValueStore<K, V>> {
  readonly supplier: KeyValueBytesStoreSupplier;
  readonly keySerde: Serde<K> | undefined;
  /** For timestamped builders: the plain value serde (the store wraps it). */
  readonly valueSerde: Serde<any> | undefined;
  readonly #timestamped: boolean;
  #caching = false;
  #logging = true;
  #logConfig: Readonly<Record<string, string>> = {};
  #ttl: { readonly ttlMs: number; readonly options: TtlOptions } | null = null;
  #readCacheEntries = 0;

  constructor(
    supplier: KeyValueBytesStoreSupplier,
    keySerde: Serde<K> | undefined,
    valueSerde: Serde<any> | undefined,
    timestamped = false,
  ) {
    this.supplier = supplier;
    this.keySerde = keySerde;
    this.valueSerde = valueSerde;
    this.#timestamped = timestamped;
  }

  get name(): string {
    return this.supplier.name;
  }
  get loggingEnabled(): boolean {
    return this.#logging;
  }
  get logConfig(): Readonly<Record<string, string>> {
    return this.#logConfig;
  }
  get cachingEnabled(): boolean {
    return this.#caching;
  }
  get persistent(): boolean {
    return this.supplier.persistent;
  }
  get timestamped(): boolean {
    return this.#timestamped;
  }

  withCachingEnabled(): this {
    this.#caching = true;
    return this;
  }
  withCachingDisabled(): this {
    this.#caching = false;
    return this;
  }
  withLoggingEnabled(config: Readonly<Record<string, string>> = {}): this {
    this.#logging = true;
    this.#logConfig = config;
    return this;
  }
  withLoggingDisabled(): this {
    this.#logging = false;
    return this;
  }
  /** Entries written more than `ttlMs` of stream time ago are invisible, and purged at commit (see state/ttl). */
  withTtl(ttlMs: number, options: TtlOptions = {}): this {
    checkTtl(ttlMs, options);
    this.#refuseReadCacheWithTtl(ttlMs, this.#readCacheEntries);
    this.#ttl = { ttlMs, options };
    return this;
  }
  get ttlMs(): number | null {
    return this.#ttl?.ttlMs ?? null;
  }
  /**
   * A cache of up to `maxEntries` decoded values in front of the store, for stores read far more often than written
   * (global tables): see MeteredKeyValueStore#withReadCache. Not with a ttl, whose entries vanish without a write.
   */
  withReadCache(maxEntries: number = DEFAULT_READ_CACHE_ENTRIES): this {
    checkReadCacheEntries(maxEntries);
    this.#refuseReadCacheWithTtl(this.ttlMs, maxEntries);
    this.#readCacheEntries = maxEntries;
    return this;
  }
  withReadCacheDisabled(): this {
    this.#readCacheEntries = 0;
    return this;
  }
  /** 0 when the store has no read cache. */
  get readCacheEntries(): number {
    return this.#readCacheEntries;
  }

  #refuseReadCacheWithTtl(ttlMs: number | null, readCacheEntries: number): void {
    if (ttlMs !== null && readCacheEntries > 0) {
      throw new ConfigError(`store ${this.name}: a read cache cannot sit in front of a ttl (entries expire without a write)`);
    }
  }

  build(): MeteredKeyValueStore<K, V> {
    const ttl = this.#ttl;
    let store: KeyValueBytesStore = this.supplier.get();
    // With a ttl every value below the filter carries its timestamp, so the changelog logs it the timestamped way.
    if (this.#logging) store = new ChangeLoggingKeyValueStore(store, this.#timestamped || ttl !== null);
    if (ttl !== null) store = new TtlPurgeStore(store, ttl.ttlMs, ttl.options);
    if (this.#caching) store = new CachingKeyValueStore(store);
    if (ttl !== null) store = new TtlFilterStore(store, ttl.ttlMs, !this.#timestamped);
    const wrap = (serde: Serde<any>): Serde<V> => (this.#timestamped ? (timestampedSerde(serde) as Serde<V>) : serde);
    const metered = new MeteredKeyValueStore<K, V>(
      store,
      this.keySerde,
      this.valueSerde === undefined ? undefined : wrap(this.valueSerde),
      this.supplier.metricsScope,
      wrap,
    );
    return this.#readCacheEntries > 0 ? metered.withReadCache(this.#readCacheEntries) : metered;
  }
}

export type TimestampedKeyValueStore<K, V> = KeyValueStore<K, ValueAndTimestamp<V>>;

export const Stores = {
  inMemoryKeyValueStore: (name: string): KeyValueBytesStoreSupplier => inMemoryKeyValueStoreSupplier(name),
  persistentKeyValueStore: (name: string): KeyValueBytesStoreSupplier => rocksDbKeyValueStoreSupplier(name),
  keyValueStoreBuilder: <K, V>(supplier: KeyValueBytesStoreSupplier, keySerde: Serde<K>, valueSerde: Serde<V>) =>
    new KeyValueStoreBuilder(supplier, keySerde, valueSerde),
  /** Serdes may be undefined: the config's defaults are used (the value serde is wrapped with a timestamp). */
  timestampedKeyValueStoreBuilder: <K, V>(
    supplier: KeyValueBytesStoreSupplier,
    keySerde: Serde<K> | undefined,
    valueSerde: Serde<V> | undefined,
  ): KeyValueStoreBuilder<K, ValueAndTimestamp<V>> => new KeyValueStoreBuilder(supplier, keySerde, valueSerde, true),
  /** Window stores keep each window for `retentionMs` of stream time past its start (≥ window size). */
  inMemoryWindowStore: (name: string, retentionMs: number, windowSizeMs: number, retainDuplicates = false): WindowBytesStoreSupplier =>
    inMemoryWindowStoreSupplier(name, retentionMs, windowSizeMs, retainDuplicates),
  persistentWindowStore: (name: string, retentionMs: number, windowSizeMs: number, retainDuplicates = false): WindowBytesStoreSupplier =>
    rocksDbWindowStoreSupplier(name, retentionMs, windowSizeMs, retainDuplicates),
  /** Session stores keep each session for `retentionMs` of stream time past its end. */
  inMemorySessionStore: (name: string, retentionMs: number): SessionBytesStoreSupplier => inMemorySessionStoreSupplier(name, retentionMs),
  persistentSessionStore: (name: string, retentionMs: number): SessionBytesStoreSupplier => rocksDbSessionStoreSupplier(name, retentionMs),
  windowStoreBuilder: <K, V>(supplier: WindowBytesStoreSupplier, keySerde: Serde<K> | undefined, valueSerde: Serde<V> | undefined) =>
    new WindowStoreBuilder<K, V>(supplier, keySerde, valueSerde),
  timestampedWindowStoreBuilder: <K, V>(
    supplier: WindowBytesStoreSupplier,
    keySerde: Serde<K> | undefined,
    valueSerde: Serde<V> | undefined,
  ): WindowStoreBuilder<K, ValueAndTimestamp<V>> => new WindowStoreBuilder(supplier, keySerde, valueSerde, true),
  sessionStoreBuilder: <K, AGG>(supplier: SessionBytesStoreSupplier, keySerde: Serde<K> | undefined, aggSerde: Serde<AGG> | undefined) =>
    new SessionStoreBuilder<K, AGG>(supplier, keySerde, aggSerde),
  /** A versioned store in RocksDB: each key keeps its versions for `historyRetentionMs` of stream time. */
  persistentVersionedKeyValueStore: (name: string, historyRetentionMs: number): VersionedBytesStoreSupplier =>
    versionedStoreSupplier(name, historyRetentionMs, true),
  /** The same on the in-memory engine (rebuilt from its changelog on restart). */
  inMemoryVersionedKeyValueStore: (name: string, historyRetentionMs: number): VersionedBytesStoreSupplier =>
    versionedStoreSupplier(name, historyRetentionMs, false),
  versionedKeyValueStoreBuilder: <K, V>(supplier: VersionedBytesStoreSupplier, keySerde: Serde<K> | undefined, valueSerde: Serde<V> | undefined) =>
    new VersionedKeyValueStoreBuilder<K, V>(supplier, keySerde, valueSerde),
} as const;
