// The typed top of a versioned store: serdes in and out, operation counts (and latencies at debug level).

import { StateStoreError } from '../../common/errors.ts';
import type { Sensor, StreamsMetrics } from '../../common/metrics.ts';
import type { Serde } from '../../common/serdes.ts';
import type { ChangelogRecord, RestoreTarget, StateStoreContext } from '../api/state-store.ts';
import type { VersionedKeyValueStore, VersionedRecord } from '../api/versioned-key-value-store.ts';
import type { VersionedBytes, VersionedBytesStore } from './versioned-bytes-store.ts';

/** A stored row as its bytes, for joins that hash or forward rows without decoding them. */
export interface RawVersionedRow {
  readonly bytes: Buffer;
  readonly timestamp: number;
  readonly stored: Buffer;
}

export class MeteredVersionedKeyValueStore<K, V> implements VersionedKeyValueStore<K, V>, RestoreTarget {
  readonly inner: VersionedBytesStore;
  keySerde: Serde<K>;
  valueSerde: Serde<V>;
  readonly #metricsScope: string;
  #puts: Sensor | null = null;
  #gets: Sensor | null = null;
  #timed = false;
  #open = false;

  /** Serdes left undefined are taken from the context's defaults at init. */
  constructor(inner: VersionedBytesStore, keySerde: Serde<K> | undefined, valueSerde: Serde<V> | undefined, metricsScope: string) {
    this.inner = inner;
    this.keySerde = keySerde as Serde<K>;
    this.valueSerde = valueSerde as Serde<V>;
    this.#metricsScope = metricsScope;
  }

  get name(): string {
    return this.inner.name;
  }
  get persistent(): boolean {
    return this.inner.persistent;
  }
  get historyRetentionMs(): number {
    return this.inner.historyRetentionMs;
  }

  init(context: StateStoreContext & { metrics?: StreamsMetrics }): void {
    this.keySerde ??= context.defaultKeySerde as Serde<K>;
    this.valueSerde ??= context.defaultValueSerde as Serde<V>;
    if (context.metrics !== undefined) {
      const tags = { task_id: context.taskId, store: this.name, store_type: `versioned-${this.#metricsScope}` };
      this.#puts = context.metrics.sensor('store_put', tags);
      this.#gets = context.metrics.sensor('store_get', tags);
      this.#timed = context.metrics.level === 'debug';
    }
    this.inner.init(context);
    this.#open = true;
  }

  put(key: K, value: V | null, timestamp: number): number {
    const start = this.#timed ? performance.now() : 0;
    const result = this.inner.put(this.#key(key), value === null ? null : this.valueSerde.serialize(value, this.name), timestamp);
    this.#puts?.record(this.#timed ? performance.now() - start : 0);
    return result;
  }

  get(key: K, asOfTimestamp?: number): VersionedRecord<V> | undefined {
    const start = this.#timed ? performance.now() : 0;
    const keyBytes = this.#key(key);
    const found = asOfTimestamp === undefined ? this.inner.get(keyBytes) : this.inner.getAsOf(keyBytes, asOfTimestamp);
    this.#gets?.record(this.#timed ? performance.now() - start : 0);
    return found === undefined ? undefined : this.#record(found);
  }

  delete(key: K, timestamp: number): VersionedRecord<V> | undefined {
    const previous = this.get(key, timestamp);
    this.put(key, null, timestamp);
    return previous;
  }

  /** Byte-level reads of the latest versions (what a foreign-key join hashes and forwards). */
  rawTable() {
    return {
      keyBytes: (key: K): Buffer => this.#key(key),
      key: (bytes: Buffer): K => this.keySerde.deserialize(bytes, this.name) as K,
      get: (keyBytes: Buffer): RawVersionedRow | undefined => {
        const found = this.inner.get(keyBytes);
        return found === undefined ? undefined : { bytes: found.value, timestamp: found.timestamp, stored: found.value };
      },
      decode: (row: RawVersionedRow): V => this.valueSerde.deserialize(row.stored, this.name) as V,
    };
  }

  restoreBatch(records: ReadonlyArray<ChangelogRecord>): void {
    this.inner.restoreBatch(records);
  }
  flush(): void {
    this.inner.flush();
  }
  close(): void {
    this.inner.close();
    this.#open = false;
  }
  isOpen(): boolean {
    return this.#open;
  }

  #key(key: K): Buffer {
    const bytes = this.keySerde.serialize(key, this.name);
    if (bytes === null) throw new StateStoreError(`store ${this.name}: a null key cannot be stored`);
    return bytes;
  }

  #record(found: VersionedBytes): VersionedRecord<V> {
    return { value: this.valueSerde.deserialize(found.value, this.name) as V, timestamp: found.timestamp, validTo: found.validTo };
  }
}
