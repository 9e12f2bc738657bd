// The small option objects of the DSL, with Kafka Streams' names: Consumed, Produced, Grouped, Materialized,
// Named, Repartitioned, Branched. Each is a plain value; the DSL reads it when it adds nodes.

import type { Serde } from '../common/serdes.ts';
import type { KeyValueBytesStoreSupplier } from '../state/api/key-value-store.ts';
import type { VersionedBytesStoreSupplier } from '../state/api/versioned-key-value-store.ts';
import type { KStream } from './kstream.ts';
import type { StreamPartitioner, TimestampExtractor } from './topology.ts';

export interface Named {
  readonly name?: string;
}
export const Named = {
  as: (name: string): Named => ({ name }),
};

export interface Consumed<K, V> {
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
  readonly timestampExtractor?: TimestampExtractor<K, V>;
  readonly name?: string;
}
export const Consumed = {
  with: <K, V>(keySerde: Serde<K>, valueSerde: Serde<V>): Consumed<K, V> => ({ keySerde, valueSerde }),
};

export interface Produced<K, V> {
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
  readonly partitioner?: StreamPartitioner<K, V>;
  readonly name?: string;
}
export const Produced = {
  with: <K, V>(keySerde: Serde<K>, valueSerde: Serde<V>): Produced<K, V> => ({ keySerde, valueSerde }),
};

export interface Grouped<K, V> {
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
  /** Names the repartition topic and its nodes. */
  readonly name?: string;
}
export const Grouped = {
  with: <K, V>(keySerde: Serde<K>, valueSerde: Serde<V>): Grouped<K, V> => ({ keySerde, valueSerde }),
  as: <K, V>(name: string): Grouped<K, V> => ({ name }),
};

export interface Repartitioned<K, V> {
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
  readonly numberOfPartitions?: number;
  readonly partitioner?: StreamPartitioner<K, V>;
  readonly name?: string;
}

export type StoreType = 'in-memory' | 'rocksdb';

export interface Materialized<K, V> {
  /** Store name; generated when absent (and then the store is not meant to be queried). */
  readonly storeName?: string;
  /** A versioned supplier makes StreamsBuilder#table/globalTable keep history (timestamped joins). */
  readonly supplier?: KeyValueBytesStoreSupplier | VersionedBytesStoreSupplier;
  readonly storeType?: StoreType;
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
  /** Default true, as in Kafka Streams. */
  readonly cachingEnabled?: boolean;
  /** Default true; topic configs of the changelog in logConfig. */
  readonly loggingEnabled?: boolean;
  readonly logConfig?: Readonly<Record<string, string>>;
  /** Opt-in time-to-live: entries older than stream time − ttlMs are invisible and purged (beyond Kafka Streams). */
  readonly ttlMs?: number;
  /**
   * Global tables: decoded values (and absences) kept in front of the store, at most this many; 0 disables. Default
   * 10,000, or none with a ttl (beyond Kafka Streams).
   */
  readonly readCacheMaxEntries?: number;
}
/** Fluent form: `Materialized.as('counts').withCachingDisabled()`; a plain object literal works as well. */
export class MaterializedAs<K, V> implements Materialized<K, V> {
  readonly storeName?: string;
  readonly supplier?: KeyValueBytesStoreSupplier | VersionedBytesStoreSupplier;
  readonly storeType?: StoreType;
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
  readonly cachingEnabled?: boolean;
  readonly loggingEnabled?: boolean;
  readonly logConfig?: Readonly<Record<string, string>>;
  readonly ttlMs?: number;
  readonly readCacheMaxEntries?: number;

  constructor(fields: Materialized<K, V>) {
    Object.assign(this, fields);
  }
  withKeySerde(keySerde: Serde<K>): MaterializedAs<K, V> {
    return new MaterializedAs({ ...this, keySerde });
  }
  withValueSerde(valueSerde: Serde<V>): MaterializedAs<K, V> {
    return new MaterializedAs({ ...this, valueSerde });
  }
  withStoreType(storeType: StoreType): MaterializedAs<K, V> {
    return new MaterializedAs({ ...this, storeType });
  }
  withCachingEnabled(): MaterializedAs<K, V> {
    return new MaterializedAs({ ...this, cachingEnabled: true });
  }
  withCachingDisabled(): MaterializedAs<K, V> {
    return new MaterializedAs({ ...this, cachingEnabled: false });
  }
  withLoggingEnabled(logConfig: Readonly<Record<string, string>> = {}): MaterializedAs<K, V> {
    return new MaterializedAs({ ...this, loggingEnabled: true, logConfig });
  }
  withLoggingDisabled(): MaterializedAs<K, V> {
    return new MaterializedAs({ ...this, loggingEnabled: false });
  }
  withTtl(ttlMs: number): MaterializedAs<K, V> {
    return new MaterializedAs({ ...this, ttlMs });
  }
  /** Global tables: at most `maxEntries` decoded values cached in front of the store (0: none). */
  withReadCache(maxEntries: number): MaterializedAs<K, V> {
    return new MaterializedAs({ ...this, readCacheMaxEntries: maxEntries });
  }
}

export const Materialized = {
  as: <K, V>(storeNameOrSupplier: string | KeyValueBytesStoreSupplier | VersionedBytesStoreSupplier): MaterializedAs<K, V> =>
    new MaterializedAs(
      typeof storeNameOrSupplier === 'string'
        ? { storeName: storeNameOrSupplier }
        : { storeName: storeNameOrSupplier.name, supplier: storeNameOrSupplier },
    ),
  with: <K, V>(keySerde: Serde<K>, valueSerde: Serde<V>): MaterializedAs<K, V> => new MaterializedAs({ keySerde, valueSerde }),
};

export interface Branched<K, V> {
  readonly name?: string;
  /** Receives the branch's stream; its result (if any) is what the split's result map holds. */
  readonly chain?: (stream: KStream<K, V>) => KStream<any, any> | undefined;
}
export const Branched = {
  as: <K, V>(name: string): Branched<K, V> => ({ name }),
  withConsumer: <K, V>(chain: (stream: KStream<K, V>) => void, name?: string): Branched<K, V> => ({
    name,
    chain: (s) => {
      chain(s);
      return undefined;
    },
  }),
  withFunction: <K, V>(
    chain: (stream: KStream<K, V>) => KStream<any, any>,
    name?: string,
  ): Branched<K, V> => ({ name, chain }),
};
