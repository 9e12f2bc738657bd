// The typed top of a session store: sessions are stored under [segment of end][key][end][start], so one key's
// sessions that end late enough are one contiguous scan per segment, ordered by end then start.

import type { Headers, KeyValue } from '../../common/record.ts';
import type { Serde } from '../../common/serdes.ts';
import type { KeyValueBytesStore } from '../api/key-value-store.ts';
import type { SessionStore } from '../api/session-store.ts';
import { type Windowed, windowed } from '../api/windowed.ts';
import {
  MAX_TIME,
  entryHasKey,
  entryKeyBytes,
  segmentBound,
  segmentId,
  segmentKeyBound,
  segmentKeyUpperBound,
  sessionEntryEnd,
  sessionEntryKey,
  sessionEntryStart,
} from '../segmented/window-key-schema.ts';
import { MeteredSegmentedStore, type SegmentedStoreShape } from './metered-segmented-store.ts';

export type SessionFlushListener<K, AGG> = (
  key: Windowed<K>,
  newValue: AGG | null,
  oldValue: AGG | null,
  timestamp: number,
  headers: Headers,
) => void;

const SUFFIX = 16;

export class MeteredSessionStore<K, AGG> extends MeteredSegmentedStore<K, AGG> implements SessionStore<K, AGG> {
  constructor(
    inner: KeyValueBytesStore,
    keySerde: Serde<K> | undefined,
    valueSerde: Serde<AGG> | undefined,
    shape: SegmentedStoreShape,
  ) {
    super(inner, keySerde, valueSerde, shape, (serde) => serde);
  }

  put(sessionKey: Windowed<K>, aggregate: AGG | null): void {
    const { start, end } = sessionKey.window;
    const keyBytes = this.keyBytes(sessionKey.key);
    if (!this.observe(end, aggregate === null)) return;
    const entry = sessionEntryKey(segmentId(end, this.segmentIntervalMs), keyBytes, end, start);
    this.inner.put(entry, aggregate === null ? null : this.valueSerde.serialize(aggregate, this.name));
    this.puts?.record();
  }

  remove(sessionKey: Windowed<K>): void {
    this.put(sessionKey, null);
  }

  fetchSession(key: K, sessionStart: number, sessionEnd: number): AGG | undefined {
    this.fetches?.record();
    if (sessionEnd < this.liveFrom() || sessionEnd > this.observedStreamTime) return undefined;
    const bytes = this.inner.get(sessionEntryKey(segmentId(sessionEnd, this.segmentIntervalMs), this.keyBytes(key), sessionEnd, sessionStart));
    return bytes === undefined ? undefined : this.value(bytes);
  }

  findSessions(earliestSessionEnd: number, latestSessionEnd: number): KeyValue<Windowed<K>, AGG>[];
  findSessions(key: K, earliestSessionEnd: number, latestSessionStart: number): KeyValue<Windowed<K>, AGG>[];
  findSessions(keyFrom: K | null, keyTo: K | null, earliestSessionEnd: number, latestSessionStart: number): KeyValue<Windowed<K>, AGG>[];
  findSessions(a: unknown, b: unknown, c?: number, d?: number): KeyValue<Windowed<K>, AGG>[] {
    if (d !== undefined) return this.#findInKeyRange(a as K | null, b as K | null, c!, MAX_TIME, d, false);
    if (c !== undefined) return this.#findForKey(a as K, b as number, c, false);
    return this.#findInKeyRange(null, null, a as number, b as number, MAX_TIME, false);
  }

  backwardFindSessions(key: K, earliestSessionEnd: number, latestSessionStart: number): KeyValue<Windowed<K>, AGG>[];
  backwardFindSessions(
    keyFrom: K | null,
    keyTo: K | null,
    earliestSessionEnd: number,
    latestSessionStart: number,
  ): KeyValue<Windowed<K>, AGG>[];
  backwardFindSessions(a: K | null, b: number | K | null, c: number, d?: number): KeyValue<Windowed<K>, AGG>[] {
    if (d !== undefined) return this.#findInKeyRange(a, b as K | null, c, MAX_TIME, d, true);
    return this.#findForKey(a as K, b as number, c, true);
  }

  fetch(key: K): KeyValue<Windowed<K>, AGG>[];
  fetch(keyFrom: K | null, keyTo: K | null): KeyValue<Windowed<K>, AGG>[];
  fetch(a: K | null, ...rest: [] | [K | null]): KeyValue<Windowed<K>, AGG>[] {
    if (rest.length === 1) return this.#findInKeyRange(a, rest[0], 0, MAX_TIME, MAX_TIME, false);
    return this.#findForKey(a as K, 0, MAX_TIME, false);
  }

  backwardFetch(key: K): KeyValue<Windowed<K>, AGG>[];
  backwardFetch(keyFrom: K | null, keyTo: K | null): KeyValue<Windowed<K>, AGG>[];
  backwardFetch(a: K | null, ...rest: [] | [K | null]): KeyValue<Windowed<K>, AGG>[] {
    if (rest.length === 1) return this.#findInKeyRange(a, rest[0], 0, MAX_TIME, MAX_TIME, true);
    return this.#findForKey(a as K, 0, MAX_TIME, true);
  }

  /** Typed cache flushes; false when the store has no cache. */
  setFlushListener(listener: SessionFlushListener<K, AGG>, sendOldValues: boolean): boolean {
    return this.hookCacheFlushes((entry) => this.#sessionKey(entry), listener, sendOldValues);
  }

  #findForKey(key: K, earliestEnd: number, latestStart: number, reverse: boolean): KeyValue<Windowed<K>, AGG>[] {
    this.fetches?.record();
    const from = Math.max(earliestEnd, this.liveFrom(), 0);
    const to = this.observedStreamTime;
    if (from > to) return [];
    const keyBytes = this.keyBytes(key);
    const out: KeyValue<Windowed<K>, AGG>[] = [];
    for (const segment of this.segments(from, to, reverse)) {
      const lower = sessionEntryKey(segment, keyBytes, from, 0);
      const upper = segmentKeyUpperBound(segment, keyBytes, SUFFIX);
      const entries = reverse ? this.inner.reverseRange(lower, upper) : this.inner.range(lower, upper);
      for (const entry of entries) {
        if (!entryHasKey(entry.key, keyBytes, SUFFIX)) continue;
        const end = sessionEntryEnd(entry.key);
        const start = sessionEntryStart(entry.key);
        if (end < from || start > latestStart) continue;
        out.push({ key: windowed(key, start, end), value: this.value(entry.value) });
      }
    }
    return out;
  }

  /** Sessions of the keys in [keyFrom, keyTo] with earliestEnd ≤ end ≤ latestEnd and start ≤ latestStart. */
  #findInKeyRange(
    keyFrom: K | null,
    keyTo: K | null,
    earliestEnd: number,
    latestEnd: number,
    latestStart: number,
    reverse: boolean,
  ): KeyValue<Windowed<K>, AGG>[] {
    this.fetches?.record();
    const from = Math.max(earliestEnd, this.liveFrom(), 0);
    const to = Math.min(latestEnd, this.observedStreamTime);
    if (from > to) return [];
    const fromBytes = keyFrom === null ? null : this.keyBytes(keyFrom);
    const toBytes = keyTo === null ? null : this.keyBytes(keyTo);
    if (fromBytes !== null && toBytes !== null && Buffer.compare(fromBytes, toBytes) > 0) return [];
    const out: KeyValue<Windowed<K>, AGG>[] = [];
    for (const segment of this.segments(from, to, reverse)) {
      const lower = fromBytes === null ? segmentBound(segment) : segmentKeyBound(segment, fromBytes);
      const upper = segmentBound(segment + 1);
      const entries = reverse ? this.inner.reverseRange(lower, upper) : this.inner.range(lower, upper);
      for (const entry of entries) {
        const end = sessionEntryEnd(entry.key);
        if (end < from || end > to || sessionEntryStart(entry.key) > latestStart) continue;
        const keyBytes = entryKeyBytes(entry.key, SUFFIX);
        if (fromBytes !== null && Buffer.compare(keyBytes, fromBytes) < 0) continue;
        if (toBytes !== null && Buffer.compare(keyBytes, toBytes) > 0) continue;
        out.push({ key: this.#sessionKey(entry.key), value: this.value(entry.value) });
      }
    }
    return out;
  }

  #sessionKey(entry: Buffer): Windowed<K> {
    const key = this.keySerde.deserialize(entryKeyBytes(entry, SUFFIX), this.name) as K;
    return windowed(key, sessionEntryStart(entry), sessionEntryEnd(entry));
  }
}
