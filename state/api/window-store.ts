// Window stores: values per key and window start, kept for a retention period measured in stream time.
// Typed at the top (through serdes); below it, a key-value bytes store whose keys embed the window
// (see state/segmented/window-key-schema.ts), so caching and change-logging are the key-value layers.

import type { KeyValue } from '../../common/record.ts';
import type { KeyValueBytesStore } from './key-value-store.ts';
import type { StateStore } from './state-store.ts';
import type { Windowed } from './windowed.ts';

export interface ReadOnlyWindowStore<K, V> {
  /** The value of the window of `key` that starts at `windowStart`; undefined when absent or expired. */
  fetch(key: K, windowStart: number): V | undefined;
  /** The windows of `key` starting within [timeFrom, timeTo], oldest first, as (window start, value). */
  fetch(key: K, timeFrom: number, timeTo: number): KeyValue<number, V>[];
  /** The windows of the keys within [keyFrom, keyTo] (null: open) starting within [timeFrom, timeTo]. */
  fetch(keyFrom: K | null, keyTo: K | null, timeFrom: number, timeTo: number): KeyValue<Windowed<K>, V>[];
  backwardFetch(key: K, timeFrom: number, timeTo: number): KeyValue<number, V>[];
  backwardFetch(keyFrom: K | null, keyTo: K | null, timeFrom: number, timeTo: number): KeyValue<Windowed<K>, V>[];
  /** Every key's windows starting within [timeFrom, timeTo]. */
  fetchAll(timeFrom: number, timeTo: number): KeyValue<Windowed<K>, V>[];
  backwardFetchAll(timeFrom: number, timeTo: number): KeyValue<Windowed<K>, V>[];
  all(): KeyValue<Windowed<K>, V>[];
  backwardAll(): KeyValue<Windowed<K>, V>[];
}

export interface WindowStore<K, V> extends StateStore, ReadOnlyWindowStore<K, V> {
  /** Writing null deletes the window (ignored when the store keeps duplicates, as in Kafka Streams). */
  put(key: K, value: V | null, windowStart: number): void;
}

/** Creates the bytes part of a window store: retention layer over a memory or RocksDB engine. */
export interface WindowBytesStoreSupplier {
  readonly name: string;
  readonly persistent: boolean;
  readonly metricsScope: string;
  /** How long (in stream time past a window's start) the window stays readable; ≥ window size + grace. */
  readonly retentionPeriod: number;
  readonly windowSize: number;
  readonly segmentInterval: number;
  /** Every put adds an entry (stream-stream joins); fetch then returns all values of a window. */
  readonly retainDuplicates: boolean;
  get(): KeyValueBytesStore;
}
