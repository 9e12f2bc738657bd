// What the windowed streams share: turning a Materialized into a window or session store builder (timestamped
// window store, caching and logging on by default, retention checked against the windows), and adding the
// aggregation node behind a repartition topic when the key changed upstream.

import { ConfigError } from '../common/errors.ts';
import type { Serde } from '../common/serdes.ts';
import type { ProcessorSupplier } from '../operators/api/processor.ts';
import type { SessionBytesStoreSupplier } from '../state/api/session-store.ts';
import type { StoreBuilder } from '../state/api/store-builder.ts';
import type { ValueAndTimestamp } from '../state/api/value-and-timestamp.ts';
import type { WindowBytesStoreSupplier } from '../state/api/window-store.ts';
import { inMemorySessionStoreSupplier } from '../state/memory/in-memory-session-store.ts';
import { inMemoryWindowStoreSupplier } from '../state/memory/in-memory-window-store.ts';
import { rocksDbSessionStoreSupplier } from '../state/rocksdb/rocksdb-session-store.ts';
import { rocksDbWindowStoreSupplier } from '../state/rocksdb/rocksdb-window-store.ts';
import { SessionStoreBuilder, WindowStoreBuilder } from '../state/windowed-store-builders.ts';
import { type KStream, repartitionThrough } from './kstream.ts';
import type { Grouped, Materialized } from './options.ts';
import type { StreamsBuilder } from './streams-builder.ts';

/**
 * Materialized of a windowed aggregation: `retentionMs` (Kafka's withRetention) bounds how long windows stay
 * queryable; `supplier` may be a window or session store supplier (Stores.inMemoryWindowStore(...) and the like).
 */
export type WindowedMaterialized<K, V> = Materialized<K, V> & { readonly retentionMs?: number };

function isWindowSupplier(supplier: unknown): supplier is WindowBytesStoreSupplier {
  return typeof supplier === 'object' && supplier !== null && 'windowSize' in supplier && 'retentionPeriod' in supplier;
}

function isSessionSupplier(supplier: unknown): supplier is SessionBytesStoreSupplier {
  return typeof supplier === 'object' && supplier !== null && !('windowSize' in supplier) && 'retentionPeriod' in supplier;
}

function applyDefaults(store: WindowStoreBuilder<any, any> | SessionStoreBuilder<any, any>, materialized: Materialized<any, any>): void {
  if (materialized.cachingEnabled ?? true) store.withCachingEnabled();
  else store.withCachingDisabled();
  if (materialized.loggingEnabled ?? true) store.withLoggingEnabled(materialized.logConfig ?? {});
  else store.withLoggingDisabled();
}

export function materializeWindowStore<K, V>(
  builder: StreamsBuilder,
  materialized: WindowedMaterialized<K, V>,
  generatedPrefix: string,
  keySerde: Serde<K> | undefined,
  windowSizeMs: number,
  /** What the windows need kept: size + grace (time windows), 2 × difference + grace (sliding windows). */
  requiredRetentionMs: number,
): WindowStoreBuilder<K, ValueAndTimestamp<V>> {
  const given = materialized.supplier as unknown;
  const name = (isWindowSupplier(given) ? given.name : undefined) ?? materialized.storeName ?? builder.newStoreName(generatedPrefix);
  let supplier: WindowBytesStoreSupplier;
  if (given !== undefined) {
    if (!isWindowSupplier(given)) {
      throw new ConfigError(`store ${name}: a windowed aggregation needs a window store supplier (Stores.inMemoryWindowStore or persistentWindowStore)`);
    }
    if (given.windowSize !== windowSizeMs) {
      throw new ConfigError(`store ${name}: the supplier's window size (${given.windowSize} ms) differs from the windows' (${windowSizeMs} ms)`);
    }
    supplier = given;
  } else {
    const retention = materialized.retentionMs ?? requiredRetentionMs;
    const type = materialized.storeType ?? builder.defaultStoreType;
    supplier =
      type === 'in-memory'
        ? inMemoryWindowStoreSupplier(name, retention, windowSizeMs, false)
        : rocksDbWindowStoreSupplier(name, retention, windowSizeMs, false);
  }
  if (supplier.retentionPeriod < requiredRetentionMs) {
    throw new ConfigError(
      `store ${name}: the retention (${supplier.retentionPeriod} ms) must be no smaller than what the windows need ` +
        `(${requiredRetentionMs} ms: window size plus grace)`,
    );
  }
  const store = new WindowStoreBuilder<K, ValueAndTimestamp<V>>(supplier, materialized.keySerde ?? keySerde, materialized.valueSerde, true);
  applyDefaults(store, materialized);
  return store;
}

export function materializeSessionStore<K, V>(
  builder: StreamsBuilder,
  materialized: WindowedMaterialized<K, V>,
  generatedPrefix: string,
  keySerde: Serde<K> | undefined,
  gapMs: number,
  graceMs: number,
): SessionStoreBuilder<K, V> {
  const given = materialized.supplier as unknown;
  const name = (isSessionSupplier(given) ? given.name : undefined) ?? materialized.storeName ?? builder.newStoreName(generatedPrefix);
  const required = gapMs + graceMs;
  let supplier: SessionBytesStoreSupplier;
  if (given !== undefined) {
    if (!isSessionSupplier(given)) {
      throw new ConfigError(`store ${name}: a session aggregation needs a session store supplier (Stores.inMemorySessionStore or persistentSessionStore)`);
    }
    supplier = given;
  } else {
    // One millisecond more than the minimum: a session ending exactly gap + grace before stream time can still
    // be merged with, so it must still be readable (Kafka's default misses it by one).
    const retention = materialized.retentionMs ?? required + 1;
    const type = materialized.storeType ?? builder.defaultStoreType;
    supplier = type === 'in-memory' ? inMemorySessionStoreSupplier(name, retention) : rocksDbSessionStoreSupplier(name, retention);
  }
  if (supplier.retentionPeriod < required) {
    throw new ConfigError(
      `store ${name}: the retention (${supplier.retentionPeriod} ms) must be no smaller than the inactivity gap plus grace (${required} ms)`,
    );
  }
  const store = new SessionStoreBuilder<K, V>(supplier, materialized.keySerde ?? keySerde, materialized.valueSerde);
  applyDefaults(store, materialized);
  return store;
}

/** Adds the aggregation processor and its store, behind `<grouped name or store>-repartition` when needed. */
export function addWindowedAggregation(
  stream: KStream<any, any>,
  grouped: Grouped<any, any>,
  repartitionRequired: boolean,
  keySerde: Serde<any> | undefined,
  store: StoreBuilder,
  name: string,
  supplier: ProcessorSupplier<any, any, any, any>,
): void {
  const builder = stream.builder;
  let parent = stream.nodeName;
  if (repartitionRequired) {
    parent = repartitionThrough(builder, parent, grouped.name ?? store.name, {
      keySerde,
      valueSerde: grouped.valueSerde ?? stream.valueSerde,
      named: grouped.name !== undefined,
      filterNullKeys: true,
    });
  }
  builder.topology.addProcessor(name, supplier, parent);
  builder.topology.addStateStore(store, name);
}
