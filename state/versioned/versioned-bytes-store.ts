// The versioned store's logic over a key-value engine (memory or RocksDB), in bytes. Each key has a latest entry
// and a history of older versions, each with the range of time it was current:
//   latest   0x00 | key                         → [valid from:8][1 value, 0 tombstone][value]
//   history  0x01 | key length:4 | key | from:8  → [valid to:8][1 value, 0 tombstone][value]
// Tombstones are versions too: an out-of-order put before one must end where it begins. Versions whose end
// falls before stream time − retention are purged.

import { StateStoreError } from '../../common/errors.ts';
import type { KeyValueBytesStore } from '../api/key-value-store.ts';
import type { ChangelogRecord, RestoreTarget, StateStore, StateStoreContext } from '../api/state-store.ts';
import { VersionedPut } from '../api/versioned-key-value-store.ts';
import { readTimestamp, TIMESTAMP_BYTES, writeTimestamp } from '../join-buffer/buffer-keys.ts';

/** A version in bytes; validTo undefined for the latest. */
export interface VersionedBytes {
  readonly value: Buffer;
  readonly timestamp: number;
  readonly validTo: number | undefined;
}

/** The layer contract below the typed versioned store. */
export interface VersionedBytesStore extends StateStore, RestoreTarget {
  readonly historyRetentionMs: number;
  put(key: Buffer, value: Buffer | null, timestamp: number): number;
  get(key: Buffer): VersionedBytes | undefined;
  getAsOf(key: Buffer, asOfTimestamp: number): VersionedBytes | undefined;
}

const LATEST = 0x00;
const HISTORY = 0x01;
const TOMBSTONE = 0;
const VALUE = 1;

interface LatestEntry {
  readonly from: number;
  /** null: the latest version is a tombstone. */
  readonly value: Buffer | null;
}

interface HistoryEntry {
  readonly storeKey: Buffer;
  readonly from: number;
  readonly to: number;
  /** null: a tombstone. */
  readonly value: Buffer | null;
}

function latestKey(key: Buffer): Buffer {
  const out = Buffer.allocUnsafe(1 + key.length);
  out[0] = LATEST;
  key.copy(out, 1);
  return out;
}

function historyKey(key: Buffer, from: number): Buffer {
  const out = Buffer.allocUnsafe(5 + key.length + TIMESTAMP_BYTES);
  out[0] = HISTORY;
  out.writeUInt32BE(key.length, 1);
  key.copy(out, 5);
  writeTimestamp(out, 5 + key.length, from);
  return out;
}

/** [timestamp:8][kind][value]: the latest entry's start, or a history entry's end. */
function encodeVersion(timestamp: number, value: Buffer | null): Buffer {
  const out = Buffer.allocUnsafe(TIMESTAMP_BYTES + 1 + (value?.length ?? 0));
  writeTimestamp(out, 0, timestamp);
  out[TIMESTAMP_BYTES] = value === null ? TOMBSTONE : VALUE;
  value?.copy(out, TIMESTAMP_BYTES + 1);
  return out;
}

function decodeValue(data: Buffer): Buffer | null {
  return data[TIMESTAMP_BYTES] === TOMBSTONE ? null : data.subarray(TIMESTAMP_BYTES + 1);
}

function decodeLatest(data: Buffer): LatestEntry {
  return { from: readTimestamp(data, 0), value: decodeValue(data) };
}

export class KeyValueVersionedBytesStore implements VersionedBytesStore {
  readonly name: string;
  readonly historyRetentionMs: number;
  readonly #engine: KeyValueBytesStore;
  #observedTime = Number.NEGATIVE_INFINITY;
  #purgedUpTo = Number.NEGATIVE_INFINITY;
  #open = false;

  constructor(name: string, engine: KeyValueBytesStore, historyRetentionMs: number) {
    if (!(historyRetentionMs >= 0)) throw new StateStoreError(`versioned store ${name}: history retention must be ≥ 0 ms`);
    this.name = name;
    this.#engine = engine;
    this.historyRetentionMs = historyRetentionMs;
  }

  get persistent(): boolean {
    return this.#engine.persistent;
  }

  init(context: StateStoreContext): void {
    this.#engine.init(context);
    this.#open = true;
  }

  /** Adds a version; returns VersionedPut.LATEST, VersionedPut.NOT_PUT, or the end of the version's validity. */
  put(key: Buffer, value: Buffer | null, timestamp: number): number {
    // Too old to matter to any lookup the retention still allows.
    if (timestamp < this.#observedTime - this.historyRetentionMs) return VersionedPut.NOT_PUT;
    if (timestamp > this.#observedTime) this.#observedTime = timestamp;
    const storeKey = latestKey(key);
    const stored = this.#engine.get(storeKey);
    const latest = stored === undefined ? null : decodeLatest(stored);
    let result: number = VersionedPut.LATEST;
    if (latest === null || timestamp >= latest.from) {
      if (latest !== null && timestamp > latest.from) this.#engine.put(historyKey(key, latest.from), encodeVersion(timestamp, latest.value));
      this.#engine.put(storeKey, encodeVersion(timestamp, value));
    } else {
      result = this.#putHistory(key, value, timestamp, latest.from);
    }
    this.#maybePurge();
    return result;
  }

  get(key: Buffer): VersionedBytes | undefined {
    const stored = this.#engine.get(latestKey(key));
    if (stored === undefined) return undefined;
    const latest = decodeLatest(stored);
    return latest.value === null ? undefined : { value: latest.value, timestamp: latest.from, validTo: undefined };
  }

  getAsOf(key: Buffer, asOfTimestamp: number): VersionedBytes | undefined {
    if (asOfTimestamp < this.#observedTime - this.historyRetentionMs) return undefined;
    const stored = this.#engine.get(latestKey(key));
    if (stored === undefined) return undefined;
    const latest = decodeLatest(stored);
    if (latest.from <= asOfTimestamp) {
      return latest.value === null ? undefined : { value: latest.value, timestamp: latest.from, validTo: undefined };
    }
    const entry = this.#versionAt(key, asOfTimestamp);
    if (entry === undefined || entry.to <= asOfTimestamp || entry.value === null) return undefined;
    return { value: entry.value, timestamp: entry.from, validTo: entry.to };
  }

  /** Replays logged puts below the change-logging layer: the same versions are rebuilt, nothing is logged. */
  restoreBatch(records: ReadonlyArray<ChangelogRecord>): void {
    for (const record of records) this.put(record.key, record.value, record.timestamp);
  }

  flush(): void {
    this.#engine.flush();
  }

  close(): void {
    this.#engine.close();
    this.#open = false;
  }

  isOpen(): boolean {
    return this.#open;
  }

  /** An out-of-order version: it splits the version current at its time, or ends where the next one begins. */
  #putHistory(key: Buffer, value: Buffer | null, timestamp: number, latestFrom: number): number {
    const previous = this.#versionAt(key, timestamp);
    if (previous !== undefined && previous.from === timestamp) {
      // Same timestamp: the new value replaces the old one for the same time range.
      this.#engine.put(previous.storeKey, encodeVersion(previous.to, value));
      return previous.to;
    }
    let validTo: number;
    if (previous !== undefined && previous.to > timestamp) {
      validTo = previous.to;
      this.#engine.put(previous.storeKey, encodeVersion(timestamp, previous.value));
    } else {
      validTo = this.#nextVersionFrom(key, timestamp) ?? latestFrom;
    }
    this.#engine.put(historyKey(key, timestamp), encodeVersion(validTo, value));
    return validTo;
  }

  /** The history entry with the largest start ≤ timestamp. */
  #versionAt(key: Buffer, timestamp: number): HistoryEntry | undefined {
    const found = this.#engine.reverseRange(historyKey(key, 0), historyKey(key, timestamp));
    if (found.length === 0) return undefined;
    const entry = found[0];
    return {
      storeKey: entry.key,
      from: readTimestamp(entry.key, entry.key.length - TIMESTAMP_BYTES),
      to: readTimestamp(entry.value, 0),
      value: decodeValue(entry.value),
    };
  }

  /** The start of the first history entry after `timestamp`, if any. */
  #nextVersionFrom(key: Buffer, timestamp: number): number | undefined {
    const found = this.#engine.range(historyKey(key, timestamp + 1), historyKey(key, Number.MAX_SAFE_INTEGER));
    return found.length === 0 ? undefined : readTimestamp(found[0].key, found[0].key.length - TIMESTAMP_BYTES);
  }

  /** Every half retention of stream time, drops versions no allowed lookup can reach any more. */
  #maybePurge(): void {
    const cutoff = this.#observedTime - this.historyRetentionMs;
    if (cutoff - this.#purgedUpTo < Math.max(this.historyRetentionMs / 2, 1)) return;
    this.#purgedUpTo = cutoff;
    const start = Buffer.from([HISTORY]);
    const end = Buffer.from([HISTORY + 1]);
    for (const entry of this.#engine.range(start, end)) {
      if (entry.key[0] === HISTORY && readTimestamp(entry.value, 0) <= cutoff) this.#engine.delete(entry.key);
    }
  }
}
