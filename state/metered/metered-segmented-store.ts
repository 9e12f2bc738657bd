// What the typed tops of window and session stores share: serdes resolved at init, the view of retention
// (what is already expired must not be read), operation counts, and the hookup to the record cache's flushes.

import { StateStoreError } from '../../common/errors.ts';
import { LATENCY_BOUNDS_MS, type Sensor, type StreamsMetrics } from '../../common/metrics.ts';
import type { Headers } from '../../common/record.ts';
import type { Serde } from '../../common/serdes.ts';
import type { KeyValueBytesStore } from '../api/key-value-store.ts';
import type { ChangelogRecord, RestoreTarget, StateStore, StateStoreContext } from '../api/state-store.ts';
import { readLong, writeLong } from '../api/windowed.ts';
import { CachingKeyValueStore } from '../caching/caching-key-value-store.ts';
import { SegmentedBytesStore } from '../segmented/segmented-bytes-store.ts';
import { isMetadataKey, metadataKey, segmentId } from '../segmented/window-key-schema.ts';

export interface SegmentedStoreShape {
  readonly retentionMs: number;
  readonly segmentIntervalMs: number;
  readonly metricsScope: string;
}

function layerOf<T>(top: KeyValueBytesStore, type: abstract new (...args: any[]) => T): T | null {
  let layer: KeyValueBytesStore | undefined = top;
  while (layer !== undefined) {
    if (layer instanceof type) return layer as T;
    layer = (layer as { inner?: KeyValueBytesStore }).inner;
  }
  return null;
}

export abstract class MeteredSegmentedStore<K, V> implements StateStore, RestoreTarget {
  readonly inner: KeyValueBytesStore;
  readonly retentionMs: number;
  readonly segmentIntervalMs: number;
  keySerde: Serde<K>;
  valueSerde: Serde<V>;
  readonly #metricsScope: string;
  readonly #resolveSerdes: (context: StateStoreContext) => void;
  readonly #segmented: SegmentedBytesStore | null;
  /** Latest window time this layer wrote; the layer below may know a later one (after a restore). */
  #observed = Number.NEGATIVE_INFINITY;
  protected puts: Sensor | null = null;
  protected fetches: Sensor | null = null;
  protected expiredDrops: Sensor | null = null;
  #flushLatency: Sensor | null = null;
  #open = false;

  constructor(
    inner: KeyValueBytesStore,
    keySerde: Serde<K> | undefined,
    valueSerde: Serde<V> | undefined,
    shape: SegmentedStoreShape,
    wrapValueSerde: (serde: Serde<any>) => Serde<V>,
  ) {
    this.inner = inner;
    this.retentionMs = shape.retentionMs;
    this.segmentIntervalMs = shape.segmentIntervalMs;
    this.keySerde = keySerde as Serde<K>;
    this.valueSerde = (valueSerde ?? null) as Serde<V>;
    this.#metricsScope = shape.metricsScope;
    this.#segmented = layerOf(inner, SegmentedBytesStore);
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
    this.#resolveSerdes(context);
    if (context.metrics !== undefined) {
      const tags = { task_id: context.taskId, store: this.name, store_type: this.#metricsScope };
      this.puts = context.metrics.sensor('store_put', tags);
      this.fetches = context.metrics.sensor('store_fetch', tags);
      this.expiredDrops = context.metrics.sensor('expired_window_record_drop', { task_id: context.taskId, store: this.name });
      this.#flushLatency = context.metrics.histogram('store_flush_latency', tags, LATENCY_BOUNDS_MS);
    }
    this.inner.init(context);
    this.#open = true;
  }

  flush(): void {
    const started = performance.now();
    this.inner.flush();
    this.#flushLatency?.record(performance.now() - started);
  }
  close(): void {
    this.inner.close();
    this.#open = false;
  }
  isOpen(): boolean {
    return this.#open;
  }
  restoreBatch(records: ReadonlyArray<ChangelogRecord>): void {
    this.inner.restoreBatch(records);
  }

  /** The store's stream time: the latest window time written (a window's start, a session's end). */
  get observedStreamTime(): number {
    const below = this.#segmented?.observedStreamTime ?? Number.NEGATIVE_INFINITY;
    return this.#observed > below ? this.#observed : below;
  }

  /** Records a write at `time`; false when that time is already past retention (the write is dropped). */
  protected observe(time: number, isDelete: boolean): boolean {
    if (time > this.#observed) this.#observed = time;
    if (!isDelete && time <= this.observedStreamTime - this.retentionMs) {
      this.expiredDrops?.record();
      return false;
    }
    return true;
  }

  /** The earliest time still readable; with `latest` (the observed stream time) the bounds of every scan. */
  protected liveFrom(): number {
    return this.observedStreamTime - this.retentionMs + 1;
  }

  /** Segment ids covering [from, to], in scan order. */
  protected segments(from: number, to: number, reverse: boolean): number[] {
    const first = segmentId(from, this.segmentIntervalMs);
    const last = segmentId(to, this.segmentIntervalMs);
    const out: number[] = [];
    if (reverse) for (let s = last; s >= first; s--) out.push(s);
    else for (let s = first; s <= last; s++) out.push(s);
    return out;
  }

  protected keyBytes(key: K): Buffer {
    const bytes = this.keySerde.serialize(key, this.name);
    if (bytes === null) throw new StateStoreError(`store ${this.name}: a null key cannot be stored`);
    return bytes;
  }

  protected value(bytes: Buffer): V {
    return this.valueSerde.deserialize(bytes, this.name) as V;
  }

  /**
   * Wires the record cache's flushes to typed callbacks (decoding the entry key with `decode`); false when the
   * store has no cache. Metadata entries never reach the listener.
   */
  protected hookCacheFlushes<W>(
    decode: (entry: Buffer) => W,
    listener: (key: W, newValue: V | null, oldValue: V | null, timestamp: number, headers: Headers) => void,
    sendOldValues: boolean,
  ): boolean {
    const cache = layerOf(this.inner, CachingKeyValueStore);
    if (cache === null) return false;
    cache.setFlushListener((key, newValue, oldValue, timestamp, headers) => {
      if (isMetadataKey(key)) return;
      listener(
        decode(key),
        this.valueSerde.deserialize(newValue, this.name),
        this.valueSerde.deserialize(oldValue, this.name),
        timestamp,
        headers,
      );
    }, sendOldValues);
    return true;
  }

  /**
   * A number a processor keeps with the store (Kafka keeps such values in the commit metadata), written through
   * the same cache and changelog as the windows, so it is restored with them.
   */
  readProcessorMetadata(name: string): number | undefined {
    const bytes = this.inner.get(metadataKey(name));
    return bytes === undefined || bytes.length < 8 ? undefined : readLong(bytes, 0);
  }

  writeProcessorMetadata(name: string, value: number): void {
    const bytes = Buffer.allocUnsafe(8);
    writeLong(bytes, value, 0);
    this.inner.put(metadataKey(name), bytes);
  }
}
