// The typed top of a window store: turns (key, window start) into the composite entry key of the layers below,
// scans only the segments a query can touch, and hides windows already past retention.

import type { Headers, KeyValue } from '../../common/record.ts';
import type { Serde } from '../../common/serdes.ts';
import type { KeyValueBytesStore } from '../api/key-value-store.ts';
import type { WindowStore } from '../api/window-store.ts';
import { type Windowed, windowed } from '../api/windowed.ts';
import {
  MAX_TIME,
  entryHasKey,
  entryKeyBytes,
  entryTime,
  segmentBound,
  segmentId,
  segmentKeyBound,
  windowEntryKey,
} from '../segmented/window-key-schema.ts';
import { MeteredSegmentedStore, type SegmentedStoreShape } from './metered-segmented-store.ts';

export interface WindowStoreShape extends SegmentedStoreShape {
  readonly windowSizeMs: number;
  readonly retainDuplicates: boolean;
}

export type WindowFlushListener<K, V> = (
  key: Windowed<K>,
  newValue: V | null,
  oldValue: V | null,
  timestamp: number,
  headers: Headers,
) => void;

const MAX_SEQUENCE = 0xffff_ffff;

export class MeteredWindowStore<K, V> extends MeteredSegmentedStore<K, V> implements WindowStore<K, V> {
  readonly windowSizeMs: number;
  readonly retainDuplicates: boolean;
  /** Bytes after the key in an entry: the start, and the sequence number when duplicates are kept. */
  readonly #suffix: number;
  #sequence = 0;

  constructor(
    inner: KeyValueBytesStore,
    keySerde: Serde<K> | undefined,
    valueSerde: Serde<V> | undefined,
    shape: WindowStoreShape,
    wrapValueSerde: (serde: Serde<any>) => Serde<V> = (serde) => serde,
  ) {
    super(inner, keySerde, valueSerde, shape, wrapValueSerde);
    this.windowSizeMs = shape.windowSizeMs;
    this.retainDuplicates = shape.retainDuplicates;
    this.#suffix = shape.retainDuplicates ? 12 : 8;
  }

  put(key: K, value: V | null, windowStart: number): void {
    if (value === null && this.retainDuplicates) return;
    const keyBytes = this.keyBytes(key);
    if (!this.observe(windowStart, value === null)) return;
    const sequence = this.retainDuplicates ? (this.#sequence = (this.#sequence + 1) >>> 0) : null;
    const entry = windowEntryKey(segmentId(windowStart, this.segmentIntervalMs), keyBytes, windowStart, sequence);
    this.inner.put(entry, value === null ? null : this.valueSerde.serialize(value, this.name));
    this.puts?.record();
  }

  fetch(key: K, windowStart: number): V | undefined;
  fetch(key: K, timeFrom: number, timeTo: number): KeyValue<number, V>[];
  fetch(keyFrom: K | null, keyTo: K | null, timeFrom: number, timeTo: number): KeyValue<Windowed<K>, V>[];
  fetch(a: K | null, b: number | K | null, c?: number, d?: number): V | undefined | KeyValue<number, V>[] | KeyValue<Windowed<K>, V>[] {
    if (d !== undefined) return this.#fetchKeys(a, b as K | null, c!, d, false);
    if (c !== undefined) return this.#fetchKey(a as K, b as number, c, false);
    return this.#fetchOne(a as K, b as number);
  }

  backwardFetch(key: K, timeFrom: number, timeTo: number): KeyValue<number, V>[];
  backwardFetch(keyFrom: K | null, keyTo: K | null, timeFrom: number, timeTo: number): KeyValue<Windowed<K>, V>[];
  backwardFetch(a: K | null, b: number | K | null, c: number, d?: number): KeyValue<number, V>[] | KeyValue<Windowed<K>, V>[] {
    if (d !== undefined) return this.#fetchKeys(a, b as K | null, c, d, true);
    return this.#fetchKey(a as K, b as number, c, true);
  }

  fetchAll(timeFrom: number, timeTo: number): KeyValue<Windowed<K>, V>[] {
    return this.#fetchKeys(null, null, timeFrom, timeTo, false);
  }
  backwardFetchAll(timeFrom: number, timeTo: number): KeyValue<Windowed<K>, V>[] {
    return this.#fetchKeys(null, null, timeFrom, timeTo, true);
  }
  all(): KeyValue<Windowed<K>, V>[] {
    return this.#fetchKeys(null, null, 0, MAX_TIME, false);
  }
  backwardAll(): KeyValue<Windowed<K>, V>[] {
    return this.#fetchKeys(null, null, 0, MAX_TIME, true);
  }

  /** Typed cache flushes (key with its window, values as stored); false when the store has no cache. */
  setFlushListener(listener: WindowFlushListener<K, V>, sendOldValues: boolean): boolean {
    return this.hookCacheFlushes((entry) => this.#windowedKey(entry), listener, sendOldValues);
  }

  #fetchOne(key: K, windowStart: number): V | undefined {
    this.fetches?.record();
    if (windowStart < this.liveFrom() || windowStart > this.observedStreamTime) return undefined;
    if (this.retainDuplicates) return this.#fetchKey(key, windowStart, windowStart, false)[0]?.value;
    const entry = windowEntryKey(segmentId(windowStart, this.segmentIntervalMs), this.keyBytes(key), windowStart, null);
    const bytes = this.inner.get(entry);
    return bytes === undefined ? undefined : this.value(bytes);
  }

  #fetchKey(key: K, timeFrom: number, timeTo: number, reverse: boolean): KeyValue<number, V>[] {
    this.fetches?.record();
    const from = Math.max(timeFrom, this.liveFrom(), 0);
    const to = Math.min(timeTo, this.observedStreamTime);
    if (from > to) return [];
    const keyBytes = this.keyBytes(key);
    const suffix = this.#suffix;
    const dup = this.retainDuplicates;
    const out: KeyValue<number, V>[] = [];
    for (const segment of this.segments(from, to, reverse)) {
      const lower = windowEntryKey(segment, keyBytes, from, dup ? 0 : null);
      const upper = windowEntryKey(segment, keyBytes, to, dup ? MAX_SEQUENCE : null);
      const entries = reverse ? this.inner.reverseRange(lower, upper) : this.inner.range(lower, upper);
      for (const entry of entries) {
        if (!entryHasKey(entry.key, keyBytes, suffix)) continue;
        const start = entryTime(entry.key, suffix);
        if (start >= from && start <= to) out.push({ key: start, value: this.value(entry.value) });
      }
    }
    return out;
  }

  #fetchKeys(keyFrom: K | null, keyTo: K | null, timeFrom: number, timeTo: number, reverse: boolean): KeyValue<Windowed<K>, V>[] {
    this.fetches?.record();
    const from = Math.max(timeFrom, this.liveFrom(), 0);
    const to = Math.min(timeTo, this.observedStreamTime);
    if (from > to) return [];
    const fromBytes = keyFrom === null ? null : this.keyBytes(keyFrom);
    const toBytes = keyTo === null ? null : this.keyBytes(keyTo);
    if (fromBytes !== null && toBytes !== null && Buffer.compare(fromBytes, toBytes) > 0) return [];
    const suffix = this.#suffix;
    const out: KeyValue<Windowed<K>, V>[] = [];
    for (const segment of this.segments(from, to, reverse)) {
      const lower = fromBytes === null ? segmentBound(segment) : segmentKeyBound(segment, fromBytes);
      // The next segment's 8 bytes sort below its entries: an upper bound that takes this whole segment only.
      const upper = segmentBound(segment + 1);
      const entries = reverse ? this.inner.reverseRange(lower, upper) : this.inner.range(lower, upper);
      for (const entry of entries) {
        const start = entryTime(entry.key, suffix);
        if (start < from || start > to) continue;
        const keyBytes = entryKeyBytes(entry.key, suffix);
        if (fromBytes !== null && Buffer.compare(keyBytes, fromBytes) < 0) continue;
        if (toBytes !== null && Buffer.compare(keyBytes, toBytes) > 0) continue;
        out.push({ key: this.#windowedKey(entry.key), value: this.value(entry.value) });
      }
    }
    return out;
  }

  #windowedKey(entry: Buffer): Windowed<K> {
    const start = entryTime(entry, this.#suffix);
    const key = this.keySerde.deserialize(entryKeyBytes(entry, this.#suffix), this.name) as K;
    return windowed(key, start, start + this.windowSizeMs);
  }
}
