// The typed top of a key-value store: serdes in and out, operation counts, and latencies (every call at debug
// level, a sample of calls at info, flushes always).

import { StateStoreError } from '../../common/errors.ts';
import { LATENCY_BOUNDS_MS, type LatencySampler, type Sensor, type StreamsMetrics } from '../../common/metrics.ts';
import type { KeyValue } from '../../common/record.ts';
import type { Serde, Serializer } from '../../common/serdes.ts';
import type { KeyValueBytesStore, KeyValueStore } from '../api/key-value-store.ts';
import type { ChangelogRecord, StateStoreContext } from '../api/state-store.ts';
import { CachingKeyValueStore } from '../caching/caching-key-value-store.ts';
import { NOT_CACHED, ReadCache } from '../caching/read-cache.ts';
import type { Headers } from '../../common/record.ts';

export type TypedFlushListener<K, V> = (key: K, newValue: V | null, oldValue: V | null, timestamp: number, headers: Headers) => void;

export class MeteredKeyValueStore<K, V> implements KeyValueStore<K, V> {
  readonly inner: KeyValueBytesStore;
  keySerde: Serde<K>;
  valueSerde: Serde<V>;
  readonly #metricsScope: string;
  readonly #resolveSerdes: ((context: StateStoreContext) => void) | undefined;
  #puts: Sensor | null = null;
  #gets: Sensor | null = null;
  #putLatency: LatencySampler | null = null;
  #getLatency: LatencySampler | null = null;
  #flushLatency: Sensor | null = null;
  #readCache: ReadCache<V> | null = null;
  #open = false;

  /** Serdes left undefined are taken from the context's defaults at init. */
  constructor(
    inner: KeyValueBytesStore,
    keySerde: Serde<K> | undefined,
    valueSerde: Serde<V> | undefined,
    metricsScope: string,
    wrapValueSerde: (serde: Serde<any>) => Serde<V> = (serde) => serde,
  ) {
    this.inner = inner;
    this.keySerde = keySerde as Serde<K>;
    this.valueSerde = (valueSerde ?? null) as Serde<V>;
    this.#metricsScope = metricsScope;
    this.#resolveSerdes = (context) => {
      this.keySerde ??= context.defaultKeySerde as Serde<K>;
      this.valueSerde ??= wrapValueSerde(context.defaultValueSerde);
    };
  }

  get name(): string {
    return this.inner.name;
  }
  get persistent(): boolean {
    return this.inner.persistent;
  }

  init(context: StateStoreContext & { metrics?: StreamsMetrics }): void {
    this.#resolveSerdes?.(context);
    if (context.metrics !== undefined) {
      const tags = { task_id: context.taskId, store: this.name, store_type: this.#metricsScope };
      this.#puts = context.metrics.sensor('store_put', tags);
      this.#gets = context.metrics.sensor('store_get', tags);
      this.#putLatency = context.metrics.sampler('store_put_latency', tags);
      this.#getLatency = context.metrics.sampler('store_get_latency', tags);
      this.#flushLatency = context.metrics.histogram('store_flush_latency', tags, LATENCY_BOUNDS_MS);
    }
    this.#readCache?.clear();
    this.inner.init(context);
    this.#open = true;
  }

  /**
   * Keeps up to `maxEntries` decoded values (and absences) in front of the layers below, for read-mostly stores
   * (global tables). Every write through this store drops the key's entry first. Values read are shared between
   * reads: callers must not mutate them. Writes that bypass this store, or values that change without a write (a
   * time-to-live), would go unseen, so the builder refuses those combinations.
   */
  withReadCache(maxEntries: number): this {
    this.#readCache = new ReadCache<V>(maxEntries);
    return this;
  }

  /** Wires the record cache's flushes to typed callbacks; false when the store has no cache. */
  setFlushListener(listener: TypedFlushListener<K, V>, sendOldValues: boolean): boolean {
    let layer: KeyValueBytesStore = this.inner;
    while (!(layer instanceof CachingKeyValueStore)) {
      const next = (layer as { inner?: KeyValueBytesStore }).inner;
      if (next === undefined) return false;
      layer = next;
    }
    layer.setFlushListener((key, newValue, oldValue, timestamp, headers) => {
      listener(
        this.keySerde.deserialize(key, this.name) as K,
        this.valueSerde.deserialize(newValue, this.name),
        this.valueSerde.deserialize(oldValue, this.name),
        timestamp,
        headers,
      );
    }, sendOldValues);
    return true;
  }

  get(key: K): V | undefined {
    const started = this.#getLatency?.start() ?? -1;
    const keyBytes = this.#key(key);
    const cache = this.#readCache;
    let value: V | undefined;
    if (cache === null) {
      value = this.#read(keyBytes);
    } else {
      const id = keyBytes.toString('latin1');
      const cached = cache.get(id);
      if (cached === NOT_CACHED) {
        value = this.#read(keyBytes);
        cache.set(id, value);
      } else {
        value = cached;
      }
    }
    this.#gets?.record();
    this.#getLatency?.end(started);
    return value;
  }

  put(key: K, value: V | null): void {
    const started = this.#putLatency?.start() ?? -1;
    const keyBytes = this.#key(key);
    const valueBytes = this.valueSerde.serialize(value, this.name);
    this.#forget(keyBytes);
    this.inner.put(keyBytes, valueBytes);
    this.#puts?.record();
    this.#putLatency?.end(started);
  }

  putIfAbsent(key: K, value: V): V | undefined {
    const bytes = this.valueSerde.serialize(value, this.name);
    if (bytes === null) throw new StateStoreError(`putIfAbsent on ${this.name}: value serialized to null`);
    const keyBytes = this.#key(key);
    this.#forget(keyBytes);
    const existing = this.inner.putIfAbsent(keyBytes, bytes);
    return existing === undefined ? undefined : (this.valueSerde.deserialize(existing, this.name) ?? undefined);
  }

  putAll(entries: ReadonlyArray<KeyValue<K, V | null>>): void {
    for (const entry of entries) this.put(entry.key, entry.value);
  }

  delete(key: K): V | undefined {
    const keyBytes = this.#key(key);
    this.#forget(keyBytes);
    const old = this.inner.delete(keyBytes);
    return old === undefined ? undefined : (this.valueSerde.deserialize(old, this.name) ?? undefined);
  }

  range(from: K | null, to: K | null): KeyValue<K, V>[] {
    return this.#typed(this.inner.range(this.#bound(from), this.#bound(to)));
  }
  reverseRange(from: K | null, to: K | null): KeyValue<K, V>[] {
    return this.#typed(this.inner.reverseRange(this.#bound(from), this.#bound(to)));
  }
  all(): KeyValue<K, V>[] {
    return this.#typed(this.inner.all());
  }
  reverseAll(): KeyValue<K, V>[] {
    return this.#typed(this.inner.reverseAll());
  }
  prefixScan<P>(prefix: P, prefixSerializer: Serializer<P>): KeyValue<K, V>[] {
    return this.#typed(this.inner.prefixScan(prefix, prefixSerializer));
  }
  approximateNumEntries(): number {
    return this.inner.approximateNumEntries();
  }
  flush(): void {
    const started = performance.now();
    this.inner.flush();
    this.#flushLatency?.record(performance.now() - started);
  }
  close(): void {
    this.#readCache?.clear();
    this.inner.close();
    this.#open = false;
  }
  isOpen(): boolean {
    return this.#open;
  }
  restoreBatch(records: ReadonlyArray<ChangelogRecord>): void {
    if (this.#readCache !== null) for (const record of records) this.#forget(record.key);
    this.inner.restoreBatch(records);
  }

  #read(keyBytes: Buffer): V | undefined {
    const bytes = this.inner.get(keyBytes);
    return bytes === undefined ? undefined : (this.valueSerde.deserialize(bytes, this.name) ?? undefined);
  }

  /** Drops the key's read-cache entry before a write, so a failed write leaves nothing stale either. */
  #forget(keyBytes: Buffer): void {
    this.#readCache?.delete(keyBytes.toString('latin1'));
  }

  #key(key: K): Buffer {
    const bytes = this.keySerde.serialize(key, this.name);
    if (bytes === null) throw new StateStoreError(`store ${this.name}: a null key cannot be stored`);
    return bytes;
  }
  #bound(key: K | null): Buffer | null {
    return key === null ? null : this.#key(key);
  }
  #typed(entries: KeyValue<Buffer, Buffer>[]): KeyValue<K, V>[] {
    return entries.map((kv) => ({
      key: this.keySerde.deserialize(kv.key, this.name) as K,
      value: this.valueSerde.deserialize(kv.value, this.name) as V,
    }));
  }
}
