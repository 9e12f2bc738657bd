// Session stores: one aggregate per key and session window [start, end] (both inclusive), kept for a retention
// period past the session's end. Same layering as window stores: typed top, key-value bytes layers below.

import type { KeyValue } from '../../common/record.ts';
import type { KeyValueBytesStore } from './key-value-store.ts';
import type { StateStore } from './state-store.ts';
import type { Windowed } from './windowed.ts';

export interface ReadOnlySessionStore<K, AGG> {
  /** Every key's sessions whose end lies within [earliestSessionEnd, latestSessionEnd]. */
  findSessions(earliestSessionEnd: number, latestSessionEnd: number): KeyValue<Windowed<K>, AGG>[];
  /** Sessions of `key` that end at or after `earliestSessionEnd` and start at or before `latestSessionStart`. */
  findSessions(key: K, earliestSessionEnd: number, latestSessionStart: number): KeyValue<Windowed<K>, AGG>[];
  findSessions(keyFrom: K | null, keyTo: K | null, earliestSessionEnd: number, latestSessionStart: number): KeyValue<Windowed<K>, AGG>[];
  backwardFindSessions(key: K, earliestSessionEnd: number, latestSessionStart: number): KeyValue<Windowed<K>, AGG>[];
  backwardFindSessions(
    keyFrom: K | null,
    keyTo: K | null,
    earliestSessionEnd: number,
    latestSessionStart: number,
  ): KeyValue<Windowed<K>, AGG>[];
  /** The aggregate of exactly this session, or undefined. */
  fetchSession(key: K, sessionStart: number, sessionEnd: number): AGG | undefined;
  /** Every session of the key (or of the keys in the range). */
  fetch(key: K): KeyValue<Windowed<K>, AGG>[];
  fetch(keyFrom: K | null, keyTo: K | null): KeyValue<Windowed<K>, AGG>[];
  backwardFetch(key: K): KeyValue<Windowed<K>, AGG>[];
  backwardFetch(keyFrom: K | null, keyTo: K | null): KeyValue<Windowed<K>, AGG>[];
}

export interface SessionStore<K, AGG> extends StateStore, ReadOnlySessionStore<K, AGG> {
  /** Writing null removes the session. */
  put(sessionKey: Windowed<K>, aggregate: AGG | null): void;
  remove(sessionKey: Windowed<K>): void;
}

export interface SessionBytesStoreSupplier {
  readonly name: string;
  readonly persistent: boolean;
  readonly metricsScope: string;
  /** How long (in stream time past a session's end) the session stays readable; ≥ inactivity gap + grace. */
  readonly retentionPeriod: number;
  readonly segmentInterval: number;
  get(): KeyValueBytesStore;
}
