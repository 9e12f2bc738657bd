// Retention for window and session stores, sitting directly on the engine (below cache and changelog): it tracks
// the store's own stream time (the latest window time written), refuses writes already past retention, and deletes
// whole expired segments from the engine. Those deletes are not logged: the changelog topic expires by retention.

import type { Sensor, StreamsMetrics } from '../../common/metrics.ts';
import type { KeyValue } from '../../common/record.ts';
import type { KeyValueBytesStore } from '../api/key-value-store.ts';
import type { ChangelogRecord, StateStoreContext } from '../api/state-store.ts';
import { WrappedKeyValueBytesStore } from '../api/wrapped-store.ts';
import { isMetadataKey, segmentBound, segmentId } from './window-key-schema.ts';

export interface SegmentedOptions {
  readonly retentionMs: number;
  readonly segmentIntervalMs: number;
  /** The time an entry expires by: a window's start, a session's end. */
  readonly timeOf: (entry: Buffer) => number;
}

export class SegmentedBytesStore extends WrappedKeyValueBytesStore {
  readonly retentionMs: number;
  readonly segmentIntervalMs: number;
  readonly #timeOf: (entry: Buffer) => number;
  /** Highest window time written or restored: the store's stream time, as in Kafka's segmented stores. */
  observedStreamTime = Number.NEGATIVE_INFINITY;
  /** Segments below this one hold nothing any more. */
  #firstLiveSegment = 0;
  #expiredDrops: Sensor | null = null;

  constructor(inner: KeyValueBytesStore, options: SegmentedOptions) {
    super(inner);
    this.retentionMs = options.retentionMs;
    this.segmentIntervalMs = options.segmentIntervalMs;
    this.#timeOf = options.timeOf;
  }

  override init(context: StateStoreContext & { metrics?: StreamsMetrics }): void {
    this.#expiredDrops =
      context.metrics?.sensor('expired_window_record_drop', { task_id: context.taskId, store: this.name }) ?? null;
    super.init(context);
  }

  /** Entries whose time is at or below this are gone (or about to be): what readers must not see. */
  get expiredThrough(): number {
    return this.observedStreamTime - this.retentionMs;
  }

  override put(key: Buffer, value: Buffer | null): void {
    if (isMetadataKey(key)) {
      this.inner.put(key, value);
      return;
    }
    const time = this.#timeOf(key);
    if (time > this.observedStreamTime) this.observedStreamTime = time;
    if (value !== null && time <= this.expiredThrough) {
      this.#expiredDrops?.record();
      return;
    }
    this.inner.put(key, value);
    this.#dropExpiredSegments();
  }

  override putIfAbsent(key: Buffer, value: Buffer): Buffer | undefined {
    const existing = this.inner.get(key);
    if (existing === undefined) this.put(key, value);
    return existing;
  }

  override putAll(entries: ReadonlyArray<KeyValue<Buffer, Buffer | null>>): void {
    for (const entry of entries) this.put(entry.key, entry.value);
  }

  override delete(key: Buffer): Buffer | undefined {
    const old = this.inner.get(key);
    this.put(key, null);
    return old;
  }

  /** Restored entries already past retention (judged on the whole batch) are skipped, as Kafka skips old segments. */
  override restoreBatch(records: ReadonlyArray<ChangelogRecord>): void {
    for (const record of records) {
      if (record.value === null || isMetadataKey(record.key)) continue;
      const time = this.#timeOf(record.key);
      if (time > this.observedStreamTime) this.observedStreamTime = time;
    }
    const expiredThrough = this.expiredThrough;
    const live = records.filter(
      (record) => isMetadataKey(record.key) || record.value === null || this.#timeOf(record.key) > expiredThrough,
    );
    this.inner.restoreBatch(live);
    this.#dropExpiredSegments();
  }

  /** Deletes every entry of segments that hold only expired times; runs once per segment boundary crossed. */
  #dropExpiredSegments(): void {
    const firstLive = segmentId(this.expiredThrough + 1, this.segmentIntervalMs);
    if (!(firstLive > this.#firstLiveSegment)) return;
    // Segments below the previous first live one were emptied by an earlier drop. Scanning from there, not from the
    // start, matters on RocksDB: those deletes linger as tombstones until compaction, and a scan from the start steps
    // over every one of them, so each drop got slower as the run went on.
    const from = this.#firstLiveSegment === 0 ? null : segmentBound(this.#firstLiveSegment);
    this.#firstLiveSegment = firstLive;
    // An 8-byte bound sorts below every longer key that starts with it, so this covers exactly the older segments;
    // metadata keys (0xff…) sort above every segment. An engine that can delete a range does it in one operation
    // (on RocksDB one range tombstone instead of a read and a tombstone per entry).
    const to = segmentBound(firstLive);
    if (this.inner.deleteRange !== undefined) {
      this.inner.deleteRange(from, to);
      return;
    }
    for (const entry of this.inner.range(from, to)) {
      if (!isMetadataKey(entry.key)) this.inner.put(entry.key, null);
    }
  }
}
