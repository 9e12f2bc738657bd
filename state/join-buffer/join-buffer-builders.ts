// Builders of the stream-stream join buffers: the engine (memory or RocksDB) behind an ordered write buffer, under
// an optional change-logging layer, without a record cache (every buffered record is read back within its window).

import type { Serde } from '../../common/serdes.ts';
import type { KeyValueBytesStore, KeyValueBytesStoreSupplier } from '../api/key-value-store.ts';
import type { StateStore } from '../api/state-store.ts';
import type { StoreBuilder } from '../api/store-builder.ts';
import { ChangeLoggingKeyValueStore } from '../changelog/change-logging-key-value-store.ts';
import { type JoinWindowBuffer, KeyValueJoinWindowBuffer } from './join-window-buffer.ts';
import { OrderedWriteBuffer } from './ordered-write-buffer.ts';
import { KeyValueOuterJoinBuffer, type OuterJoinBuffer } from './outer-join-buffer.ts';

/** Kafka keeps a windowed changelog a day longer than the store needs it, for slow restores. */
const CHANGELOG_EXTRA_RETENTION_MS = 24 * 60 * 60 * 1000;

export class JoinBufferBuilder<S extends StateStore> implements StoreBuilder<S> {
  readonly supplier: KeyValueBytesStoreSupplier;
  readonly cachingEnabled = false;
  readonly #create: (store: KeyValueBytesStore, engine: KeyValueBytesStore) => S;
  #logging = true;
  #logConfig: Readonly<Record<string, string>>;

  constructor(
    supplier: KeyValueBytesStoreSupplier,
    create: (store: KeyValueBytesStore, engine: KeyValueBytesStore) => S,
    logConfig: Readonly<Record<string, string>> = {},
  ) {
    this.supplier = supplier;
    this.#create = create;
    this.#logConfig = logConfig;
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

  build(): S {
    const engine = new OrderedWriteBuffer(this.supplier.get());
    return this.#create(this.#logging ? new ChangeLoggingKeyValueStore(engine, false) : engine, engine);
  }
}

export const JoinBuffers = {
  /** One side's records of a stream-stream join, kept `retentionMs` (window size + grace) behind the newest. */
  windowBuffer: <K, V>(
    supplier: KeyValueBytesStoreSupplier,
    retentionMs: number,
    keySerde: Serde<K> | undefined,
    valueSerde: Serde<V> | undefined,
  ): JoinBufferBuilder<JoinWindowBuffer<K, V>> =>
    new JoinBufferBuilder(
      supplier,
      (store, engine) => new KeyValueJoinWindowBuffer(supplier.name, store, engine, retentionMs, keySerde, valueSerde),
      { 'cleanup.policy': 'compact,delete', 'retention.ms': String(retentionMs + CHANGELOG_EXTRA_RETENTION_MS) },
    ),
  /** Records of a left/outer stream-stream join still waiting for a partner or for their window to close. */
  outerBuffer: <K, VL, VR>(
    supplier: KeyValueBytesStoreSupplier,
    keySerde: Serde<K> | undefined,
    leftSerde: Serde<VL> | undefined,
    rightSerde: Serde<VR> | undefined,
  ): JoinBufferBuilder<OuterJoinBuffer<K, VL, VR>> =>
    new JoinBufferBuilder(supplier, (store) => new KeyValueOuterJoinBuffer(supplier.name, store, keySerde, leftSerde, rightSerde)),
} as const;
