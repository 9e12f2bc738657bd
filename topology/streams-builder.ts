// StreamsBuilder: the entry point of the DSL. It owns the Topology being built and the counter behind
// Kafka Streams' generated names (KSTREAM-MAPVALUES-0000000003), so names are stable across builds.

import type { StoreBuilder } from '../state/api/store-builder.ts';
import { DEFAULT_READ_CACHE_ENTRIES } from '../state/caching/read-cache.ts';
import { tableSourceProcessor } from '../operators/table-source.ts';
import { GlobalKTable } from './global-ktable.ts';
import { KStream } from './kstream.ts';
import { KTable } from './ktable.ts';
import { materializeTable } from './materialize.ts';
import type { Consumed, Materialized, StoreType } from './options.ts';
import { Topology } from './topology.ts';
import { versionedGlobalTable, versionedTable } from './versioned-table.ts';

export interface StreamsBuilderOptions {
  /** Engine of stores the DSL creates when Materialized names none (Kafka's default.dsl.store). */
  readonly defaultStoreType?: StoreType;
}

export class StreamsBuilder {
  readonly topology = new Topology();
  readonly defaultStoreType: StoreType;
  #index = 0;
  #built = false;

  constructor(options: StreamsBuilderOptions = {}) {
    this.defaultStoreType = options.defaultStoreType ?? 'rocksdb';
  }

  newProcessorName(prefix: string): string {
    return `${prefix}${String(this.#index++).padStart(10, '0')}`;
  }

  newStoreName(prefix: string): string {
    return `${prefix}STATE-STORE-${String(this.#index++).padStart(10, '0')}`;
  }

  stream<K = string, V = unknown>(topics: string | readonly string[], consumed: Consumed<K, V> = {}): KStream<K, V> {
    const name = consumed.name ?? this.newProcessorName('KSTREAM-SOURCE-');
    const list = typeof topics === 'string' ? [topics] : [...topics];
    this.topology.addSource(name, consumed, ...list);
    return new KStream<K, V>(this, name, consumed.keySerde, consumed.valueSerde, false);
  }

  table<K = string, V = unknown>(topic: string, consumed: Consumed<K, V> = {}, materialized: Materialized<K, V> = {}): KTable<K, V> {
    const supplier = materialized.supplier;
    if (supplier !== undefined && 'historyRetentionMs' in supplier) {
      return versionedTable(this, topic, consumed, { ...materialized, supplier });
    }
    const store = materializeTable(this, materialized, `${topic}-`, consumed.keySerde, consumed.valueSerde);
    const sourceName = consumed.name ?? this.newProcessorName('KSTREAM-SOURCE-');
    const tableName = this.newProcessorName('KTABLE-SOURCE-');
    this.topology.addSource(sourceName, consumed, topic);
    this.topology.addProcessor(tableName, tableSourceProcessor(store.name, true), sourceName);
    this.topology.addStateStore(store, tableName);
    return new KTable<K, V>(this, tableName, store.name, consumed.keySerde, consumed.valueSerde);
  }

  globalTable<K = string, V = unknown>(
    topic: string,
    consumed: Consumed<K, V> = {},
    materialized: Materialized<K, V> = {},
  ): GlobalKTable<K, V> {
    const supplier = materialized.supplier;
    if (supplier !== undefined && 'historyRetentionMs' in supplier) {
      return versionedGlobalTable(this, topic, consumed, { ...materialized, supplier });
    }
    const store = materializeTable(this, { ...materialized, loggingEnabled: false, cachingEnabled: false }, `${topic}-`, consumed.keySerde, consumed.valueSerde);
    // Every task reads a global table on every record, and only its own topic writes it: its decoded values are
    // worth caching (a ttl would expire them unseen, so none by default there).
    const readCacheEntries = materialized.readCacheMaxEntries ?? (store.ttlMs === null ? DEFAULT_READ_CACHE_ENTRIES : 0);
    if (readCacheEntries > 0) store.withReadCache(readCacheEntries);
    const sourceName = consumed.name ?? this.newProcessorName('KSTREAM-SOURCE-');
    const tableName = this.newProcessorName('KTABLE-SOURCE-');
    this.topology.addGlobalStore(store, sourceName, consumed, topic, tableName, tableSourceProcessor(store.name, false));
    return new GlobalKTable<K, V>(store.name, consumed.keySerde, consumed.valueSerde);
  }

  addStateStore(builder: StoreBuilder): this {
    this.topology.addStateStore(builder);
    return this;
  }

  build(): Topology {
    this.#built = true;
    return this.topology;
  }

  get built(): boolean {
    return this.#built;
  }
}
