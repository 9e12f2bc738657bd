// The records one side of a stream-stream join keeps for the other side to find: per key, by time, duplicates
// kept, forgotten once they are older than the retention (window size + grace) behind the newest record.
// It stands in for a window store behind this small interface, on the key-value store layers, with composite keys
// [key][timestamp][sequence].

import { StateStoreError } from '../../common/errors.ts';
import type { Serde } from '../../common/serdes.ts';
import type { KeyValueBytesStore } from '../api/key-value-store.ts';
import type { ChangelogRecord, RestoreTarget, StateStore, StateStoreContext } from '../api/state-store.ts';
import { keyTimeRange, keyTimeSequence, readTimestamp, SEQUENCE_BYTES, SequenceNumbers, TIMESTAMP_BYTES } from './buffer-keys.ts';

export interface TimestampedValue<V> {
  readonly timestamp: number;
  readonly value: V;
}

export interface JoinWindowBuffer<K, V> extends StateStore {
  readonly retentionMs: number;
  /** Keeps the record; false when it is already older than the retention allows (nothing stored). */
  put(key: K, value: V, timestamp: number): boolean;
  /** The key's records with from ≤ timestamp ≤ to, oldest first, equal timestamps in arrival order. */
  fetch(key: K, from: number, to: number): TimestampedValue<V>[];
}

const NO_TIME = Number.NEGATIVE_INFINITY;

export class KeyValueJoinWindowBuffer<K, V> implements JoinWindowBuffer<K, V>, RestoreTarget {
  readonly name: string;
  readonly retentionMs: number;
  /** The layers writes go through (change-logging, then the engine). */
  readonly #store: KeyValueBytesStore;
  /** The engine alone: expired records are dropped here, unlogged, as a window store drops old segments. */
  readonly #engine: KeyValueBytesStore;
  #keySerde: Serde<K> | undefined;
  #valueSerde: Serde<V> | undefined;
  readonly #sequences = new SequenceNumbers();
  #observedTime = NO_TIME;
  #purgedUpTo = NO_TIME;
  #open = false;

  constructor(
    name: string,
    store: KeyValueBytesStore,
    engine: KeyValueBytesStore,
    retentionMs: number,
    keySerde: Serde<K> | undefined,
    valueSerde: Serde<V> | undefined,
  ) {
    this.name = name;
    this.#store = store;
    this.#engine = engine;
    this.retentionMs = retentionMs;
    this.#keySerde = keySerde;
    this.#valueSerde = valueSerde;
  }

  get persistent(): boolean {
    return this.#engine.persistent;
  }

  init(context: StateStoreContext): void {
    this.#keySerde ??= context.defaultKeySerde;
    this.#valueSerde ??= context.defaultValueSerde;
    this.#store.init(context);
    this.#open = true;
  }

  put(key: K, value: V, timestamp: number): boolean {
    if (timestamp > this.#observedTime) this.#observedTime = timestamp;
    if (timestamp < this.#expiredBefore()) return false;
    const keyBytes = this.#keyBytes(key);
    const sequence = this.#sequences.next((s) => this.#store.get(keyTimeSequence(keyBytes, timestamp, s)) !== undefined);
    this.#store.put(keyTimeSequence(keyBytes, timestamp, sequence), this.#valueSerde!.serialize(value, this.name));
    this.#maybePurge();
    return true;
  }

  fetch(key: K, from: number, to: number): TimestampedValue<V>[] {
    const start = Math.max(from, this.#expiredBefore(), 0);
    if (to < start) return [];
    const keyBytes = this.#keyBytes(key);
    const [lower, upper] = keyTimeRange(keyBytes, start, to);
    const entryLength = keyBytes.length + TIMESTAMP_BYTES + SEQUENCE_BYTES;
    const out: TimestampedValue<V>[] = [];
    for (const entry of this.#store.range(lower, upper)) {
      // A longer key that starts with this key's bytes can sort inside the range; its entries are longer.
      if (entry.key.length !== entryLength) continue;
      out.push({ timestamp: readTimestamp(entry.key, keyBytes.length), value: this.#valueSerde!.deserialize(entry.value, this.name) as V });
    }
    return out;
  }

  restoreBatch(records: ReadonlyArray<ChangelogRecord>): void {
    this.#engine.restoreBatch(records);
    // The newest restored record tells how far time had come; older records are purged on the next put.
    for (const record of records) {
      if (record.value === null || record.key.length < TIMESTAMP_BYTES + SEQUENCE_BYTES) continue;
      const timestamp = readTimestamp(record.key, record.key.length - TIMESTAMP_BYTES - SEQUENCE_BYTES);
      if (timestamp > this.#observedTime) this.#observedTime = timestamp;
    }
  }

  flush(): void {
    this.#store.flush();
  }

  close(): void {
    this.#store.close();
    this.#open = false;
  }

  isOpen(): boolean {
    return this.#open;
  }

  /** Records older than this can no longer join anything. */
  #expiredBefore(): number {
    return this.#observedTime - this.retentionMs;
  }

  /** Drops expired records every half retention of stream time, so the sweep's cost is spread over many puts. */
  #maybePurge(): void {
    const cutoff = this.#expiredBefore();
    if (cutoff - this.#purgedUpTo < Math.max(this.retentionMs / 2, 1)) return;
    this.#purgedUpTo = cutoff;
    for (const entry of this.#engine.all()) {
      const timestamp = readTimestamp(entry.key, entry.key.length - TIMESTAMP_BYTES - SEQUENCE_BYTES);
      if (timestamp < cutoff) this.#engine.delete(entry.key);
    }
  }

  #keyBytes(key: K): Buffer {
    const bytes = this.#keySerde!.serialize(key, this.name);
    if (bytes === null) throw new StateStoreError(`join buffer ${this.name}: a null key cannot be buffered`);
    return bytes;
  }
}
