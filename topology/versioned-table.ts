// Tables materialized in versioned stores, for timestamped joins: a stream record joined with such a table sees
// the row as it was at the record's timestamp. StreamsBuilder#table keeps only the latest row; these entry points
// take a versioned store supplier (Stores.persistentVersionedKeyValueStore / inMemoryVersionedKeyValueStore).

import type { Serde } from '../common/serdes.ts';
import { versionedTableSourceProcessor } from '../operators/versioned-table-source.ts';
import type { VersionedBytesStoreSupplier } from '../state/api/versioned-key-value-store.ts';
import { VersionedKeyValueStoreBuilder } from '../state/versioned/versioned-store-builder.ts';
import { GlobalKTable } from './global-ktable.ts';
import { KTable } from './ktable.ts';
import type { Consumed } from './options.ts';
import type { StreamsBuilder } from './streams-builder.ts';

export interface VersionedMaterialized<K, V> {
  readonly supplier: VersionedBytesStoreSupplier;
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
  /** Default true (ignored for global tables, whose topic is their changelog). */
  readonly loggingEnabled?: boolean;
  readonly logConfig?: Readonly<Record<string, string>>;
}

function versionedStore<K, V>(materialized: VersionedMaterialized<K, V>, consumed: Consumed<K, V>, logging: boolean) {
  const store = new VersionedKeyValueStoreBuilder<K, V>(
    materialized.supplier,
    materialized.keySerde ?? consumed.keySerde,
    materialized.valueSerde ?? consumed.valueSerde,
  );
  return logging ? store.withLoggingEnabled(materialized.logConfig ?? {}) : store.withLoggingDisabled();
}

/** StreamsBuilder#table with `Materialized.as(versionedSupplier)`, in Kafka's terms. */
export function versionedTable<K, V>(
  builder: StreamsBuilder,
  topic: string,
  consumed: Consumed<K, V>,
  materialized: VersionedMaterialized<K, V>,
): KTable<K, V> {
  const store = versionedStore(materialized, consumed, materialized.loggingEnabled ?? true);
  const sourceName = consumed.name ?? builder.newProcessorName('KSTREAM-SOURCE-');
  const tableName = builder.newProcessorName('KTABLE-SOURCE-');
  builder.topology.addSource(sourceName, consumed, topic);
  builder.topology.addProcessor(tableName, versionedTableSourceProcessor<K, V>(store.name, true), sourceName);
  builder.topology.addStateStore(store, tableName);
  return new KTable<K, V>(builder, tableName, store.name, store.keySerde, store.valueSerde);
}

/** StreamsBuilder#globalTable with a versioned store: stream-global joins then look it up as of each record's time. */
export function versionedGlobalTable<K, V>(
  builder: StreamsBuilder,
  topic: string,
  consumed: Consumed<K, V>,
  materialized: VersionedMaterialized<K, V>,
): GlobalKTable<K, V> {
  const store = versionedStore(materialized, consumed, false);
  const sourceName = consumed.name ?? builder.newProcessorName('KSTREAM-SOURCE-');
  const tableName = builder.newProcessorName('KTABLE-SOURCE-');
  builder.topology.addGlobalStore(store, sourceName, consumed, topic, tableName, versionedTableSourceProcessor<K, V>(store.name, false));
  return new GlobalKTable<K, V>(store.name, store.keySerde, store.valueSerde);
}
