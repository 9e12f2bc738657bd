// Builders of window and session stores. They compose the same key-value layers as key-value stores
// (typed top → caching → change-logging → retention → engine), because entries are key-value pairs with
// composite keys; only the typed top and the retention layer know about windows.

import type { Serde } from '../common/serdes.ts';
import type { KeyValueBytesStore } from './api/key-value-store.ts';
import type { SessionBytesStoreSupplier } from './api/session-store.ts';
import type { StateStore } from './api/state-store.ts';
import type { StoreBuilder } from './api/store-builder.ts';
import { timestampedSerde } from './api/value-and-timestamp.ts';
import type { WindowBytesStoreSupplier } from './api/window-store.ts';
import { CachingKeyValueStore } from './caching/caching-key-value-store.ts';
import { ChangeLoggingKeyValueStore } from './changelog/change-logging-key-value-store.ts';
import { MeteredSessionStore } from './metered/metered-session-store.ts';
import { MeteredWindowStore } from './metered/metered-window-store.ts';

/** Kafka's windowstore.changelog.additional.retention.ms: the changelog outlives the store by a day. */
const CHANGELOG_EXTRA_RETENTION_MS = 24 * 60 * 60 * 1000;

abstract class SegmentedStoreBuilder<S extends StateStore> implements StoreBuilder<S> {
  readonly supplier: WindowBytesStoreSupplier | SessionBytesStoreSupplier;
  #caching = false;
  #logging = true;
  #logConfig: Readonly<Record<string, string>> = {};

  constructor(supplier: WindowBytesStoreSupplier | SessionBytesStoreSupplier) {
    this.supplier = supplier;
  }

  get name(): string {
    return this.supplier.name;
  }
  get persistent(): boolean {
    return this.supplier.persistent;
  }
  get loggingEnabled(): boolean {
    return this.#logging;
  }
  /** Windowed changelogs are compacted and also deleted by time, since old windows are never read again. */
  get logConfig(): Readonly<Record<string, string>> {
    return {
      'cleanup.policy': 'compact,delete',
      'retention.ms': String(this.supplier.retentionPeriod + CHANGELOG_EXTRA_RETENTION_MS),
      ...this.#logConfig,
    };
  }
  get cachingEnabled(): boolean {
    return this.#caching;
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

  protected layers(timestamped: boolean, cachingAllowed: boolean): KeyValueBytesStore {
    let store: KeyValueBytesStore = this.supplier.get();
    if (this.#logging) store = new ChangeLoggingKeyValueStore(store, timestamped);
    if (this.#caching && cachingAllowed) store = new CachingKeyValueStore(store);
    return store;
  }

  abstract build(): S;
}

export class WindowStoreBuilder<K, V> extends SegmentedStoreBuilder<MeteredWindowStore<K, V>> {
  declare readonly supplier: WindowBytesStoreSupplier;
  readonly keySerde: Serde<K> | undefined;
  /** For timestamped builders: the plain value serde (the store wraps it). */
  readonly valueSerde: Serde<any> | undefined;
  readonly timestamped: boolean;

  constructor(supplier: WindowBytesStoreSupplier, keySerde: Serde<K> | undefined, valueSerde: Serde<any> | undefined, timestamped = false) {
    super(supplier);
    this.keySerde = keySerde;
    this.valueSerde = valueSerde;
    this.timestamped = timestamped;
  }

  /** A store keeping duplicates is never cached (as in Kafka Streams): the cache would fold them into one. */
  build(): MeteredWindowStore<K, V> {
    const wrap = (serde: Serde<any>): Serde<V> => (this.timestamped ? (timestampedSerde(serde) as Serde<V>) : serde);
    const supplier = this.supplier;
    return new MeteredWindowStore<K, V>(
      this.layers(this.timestamped, !supplier.retainDuplicates),
      this.keySerde,
      this.valueSerde === undefined ? undefined : wrap(this.valueSerde),
      {
        retentionMs: supplier.retentionPeriod,
        segmentIntervalMs: supplier.segmentInterval,
        windowSizeMs: supplier.windowSize,
        retainDuplicates: supplier.retainDuplicates,
        metricsScope: supplier.metricsScope,
      },
      wrap,
    );
  }
}

export class SessionStoreBuilder<K, AGG> extends SegmentedStoreBuilder<MeteredSessionStore<K, AGG>> {
  declare readonly supplier: SessionBytesStoreSupplier;
  readonly keySerde: Serde<K> | undefined;
  readonly valueSerde: Serde<AGG> | undefined;

  constructor(supplier: SessionBytesStoreSupplier, keySerde: Serde<K> | undefined, valueSerde: Serde<AGG> | undefined) {
    super(supplier);
    this.keySerde = keySerde;
    this.valueSerde = valueSerde;
  }

  build(): MeteredSessionStore<K, AGG> {
    const supplier = this.supplier;
    return new MeteredSessionStore<K, AGG>(this.layers(false, true), this.keySerde, this.valueSerde, {
      retentionMs: supplier.retentionPeriod,
      segmentIntervalMs: supplier.segmentInterval,
      metricsScope: supplier.metricsScope,
    });
  }
}
