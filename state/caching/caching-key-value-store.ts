// The record cache of a key-value store: absorbs repeated writes to a key until commit (or eviction), so the
// changelog and the engine see one write per key per commit, and downstream sees one update per key.

import type { Headers, KeyValue } from '../../common/record.ts';
import type { Serializer } from '../../common/serdes.ts';
import type { ChangelogRecord, StateStoreContext } from '../api/state-store.ts';
import { SortedIdList } from '../api/sorted-id-list.ts';
import type { ScanBounds } from '../api/sorted-scan.ts';
import { WrappedKeyValueBytesStore } from '../api/wrapped-store.ts';

/** Called for every dirty entry written through at flush or eviction: the new and previous (written) value. */
export type CacheFlushListener = (
  key: Buffer,
  newValue: Buffer | null,
  oldValue: Buffer | null,
  timestamp: number,
  headers: Headers,
) => void;

interface CacheEntry {
  readonly id: string;
  readonly key: Buffer;
  value: Buffer | null; // null: absent (clean) or a delete (dirty)
  dirty: boolean;
  /** The value the layer below holds, when known: it is the old value the flush listener reports. */
  below: Buffer | null | undefined;
  timestamp: number;
  headers: Headers;
  bytes: number;
}

const ENTRY_OVERHEAD_BYTES = 64;

export class CachingKeyValueStore extends WrappedKeyValueBytesStore {
  /** Insertion order is write order: the oldest write is evicted first. */
  readonly #cache = new Map<string, CacheEntry>();
  /**
   * Where eviction stopped: every entry before it has been evicted (a rewritten entry moves to the back), so the next
   * eviction goes on from here. A walk from the start would first step over the slots the map still keeps for the
   * entries deleted since its last compaction, thousands on a full cache, on every put.
   */
  #evictionCursor: MapIterator<CacheEntry> | null = null;
  /** The ids of the dirty entries, sorted: a range read merges only those within its bounds. */
  readonly #dirtyIds = new SortedIdList();
  /** The same ids in write order (oldest first): a flush visits only these, not the whole cache. */
  readonly #dirtyInWriteOrder = new Set<string>();
  #listener: CacheFlushListener | null = null;
  #sendOldValues = false;
  #context!: StateStoreContext;
  #maxBytes = 10 * 1024 * 1024;
  #bytes = 0;
  hits = 0;
  misses = 0;

  override init(context: StateStoreContext): void {
    this.#context = context;
    this.#maxBytes = context.cacheMaxBytes;
    super.init(context);
  }

  setFlushListener(listener: CacheFlushListener, sendOldValues: boolean): void {
    this.#listener = listener;
    this.#sendOldValues = sendOldValues;
  }

  override get(key: Buffer): Buffer | undefined {
    const id = key.toString('latin1');
    const entry = this.#cache.get(id);
    if (entry !== undefined) {
      this.hits++;
      return entry.value ?? undefined;
    }
    this.misses++;
    const value = this.inner.get(key);
    // Absent keys are cached too: aggregations read before they write, and the flush then knows the old value.
    if (this.#maxBytes > 0) {
      this.#insert(id, key, value ?? null, false, 0, {}, value ?? null);
      this.#evictIfFull();
    }
    return value;
  }

  override put(key: Buffer, value: Buffer | null): void {
    const id = key.toString('latin1');
    const timestamp = this.#context.recordTimestamp();
    const headers = this.#context.recordHeaders();
    const existing = this.#cache.get(id);
    let below: Buffer | null | undefined;
    if (existing !== undefined) {
      below = existing.below;
      this.#cache.delete(id);
      this.#bytes -= existing.bytes;
    }
    if (existing === undefined || !existing.dirty) this.#dirtyIds.insert(id);
    this.#dirtyInWriteOrder.delete(id);
    this.#dirtyInWriteOrder.add(id);
    this.#insert(id, key, value, true, timestamp, headers, below);
    this.#evictIfFull();
  }

  override putIfAbsent(key: Buffer, value: Buffer): Buffer | undefined {
    const existing = this.get(key);
    if (existing === undefined) this.put(key, value);
    return existing;
  }

  override putAll(entries: ReadonlyArray<KeyValue<Buffer, Buffer | null>>): void {
    for (const entry of entries) this.put(entry.key, entry.value);
  }

  override delete(key: Buffer): Buffer | undefined {
    const old = this.get(key);
    this.put(key, null);
    return old;
  }

  override range(from: Buffer | null, to: Buffer | null): KeyValue<Buffer, Buffer>[] {
    return this.#merge(this.inner.range(from, to), { from, to, reverse: false });
  }
  override reverseRange(from: Buffer | null, to: Buffer | null): KeyValue<Buffer, Buffer>[] {
    return this.#merge(this.inner.reverseRange(from, to), { from, to, reverse: true });
  }
  override all(): KeyValue<Buffer, Buffer>[] {
    return this.#merge(this.inner.all(), { from: null, to: null, reverse: false });
  }
  override reverseAll(): KeyValue<Buffer, Buffer>[] {
    return this.#merge(this.inner.reverseAll(), { from: null, to: null, reverse: true });
  }
  override prefixScan<P>(prefix: P, prefixSerializer: Serializer<P>): KeyValue<Buffer, Buffer>[] {
    const bytes = prefixSerializer.serialize(prefix);
    if (bytes === null) return [];
    return this.#merge(this.inner.prefixScan(prefix, prefixSerializer), {
      from: null,
      to: null,
      reverse: false,
      prefix: bytes,
    });
  }

  override approximateNumEntries(): number {
    let dirtyNew = 0;
    for (const entry of this.#cache.values()) if (entry.dirty && entry.value !== null) dirtyNew++;
    return this.inner.approximateNumEntries() + dirtyNew;
  }

  /** Writes every dirty entry through, oldest first, telling the listener; then flushes the layers below. */
  override flush(): void {
    // Deleting the visited id while iterating a Set is safe; no id is added during a flush.
    for (const id of this.#dirtyInWriteOrder) this.#writeThrough(this.#cache.get(id)!);
    this.inner.flush();
  }

  override restoreBatch(records: ReadonlyArray<ChangelogRecord>): void {
    for (const record of records) {
      const id = record.key.toString('latin1');
      const entry = this.#cache.get(id);
      if (entry !== undefined) {
        this.#cache.delete(id);
        this.#bytes -= entry.bytes;
        if (entry.dirty) {
          this.#dirtyIds.remove(id);
          this.#dirtyInWriteOrder.delete(id);
        }
      }
    }
    this.inner.restoreBatch(records);
  }

  override close(): void {
    this.flush();
    this.#cache.clear();
    this.#evictionCursor = null;
    this.#bytes = 0;
    super.close();
  }

  get cachedBytes(): number {
    return this.#bytes;
  }

  #insert(
    id: string,
    key: Buffer,
    value: Buffer | null,
    dirty: boolean,
    timestamp: number,
    headers: Headers,
    below: Buffer | null | undefined,
  ): void {
    const bytes = key.length + (value?.length ?? 0) + ENTRY_OVERHEAD_BYTES;
    this.#cache.set(id, { id, key, value, dirty, below, timestamp, headers, bytes });
    this.#bytes += bytes;
  }

  /** Evicts the oldest entries (insertion order; a put moves its key to the back), writing dirty ones through. */
  #evictIfFull(): void {
    while (this.#bytes > this.#maxBytes) {
      let next = this.#evictionCursor?.next();
      if (next === undefined || next.done === true) {
        // A finished iterator stays finished, even when entries are added after it.
        this.#evictionCursor = this.#cache.values();
        next = this.#evictionCursor.next();
        if (next.done === true) return;
      }
      const entry = next.value;
      if (entry.dirty) this.#writeThrough(entry);
      this.#cache.delete(entry.id);
      this.#bytes -= entry.bytes;
    }
  }

  #writeThrough(entry: CacheEntry): void {
    let oldValue: Buffer | null = null;
    if (this.#listener !== null && this.#sendOldValues) {
      oldValue = entry.below !== undefined ? entry.below : (this.inner.get(entry.key) ?? null);
    }
    this.#context.withRecordContext(entry.timestamp, entry.headers, () => this.inner.put(entry.key, entry.value));
    entry.dirty = false;
    this.#dirtyIds.remove(entry.id);
    this.#dirtyInWriteOrder.delete(entry.id);
    entry.below = entry.value;
    this.#listener?.(entry.key, entry.value, oldValue, entry.timestamp, entry.headers);
  }

  #merge(fromStore: KeyValue<Buffer, Buffer>[], bounds: ScanBounds): KeyValue<Buffer, Buffer>[] {
    const overlay = this.#dirtyWithin(bounds);
    if (overlay.length === 0) return fromStore;
    const merged = new Map<string, KeyValue<Buffer, Buffer> | null>();
    for (const kv of fromStore) merged.set(kv.key.toString('latin1'), kv);
    for (const id of overlay) {
      const entry = this.#cache.get(id)!;
      merged.set(id, entry.value === null ? null : { key: entry.key, value: entry.value });
    }
    const ids = [...merged.keys()].filter((id) => merged.get(id) !== null).sort();
    if (bounds.reverse) ids.reverse();
    return ids.map((id) => merged.get(id)!);
  }

  /** Ids of the dirty entries within the bounds, from the sorted index (not a walk of the whole cache). */
  #dirtyWithin(bounds: ScanBounds): string[] {
    const ids: string[] = [];
    if (this.#dirtyIds.size === 0) return ids;
    if (bounds.prefix !== undefined) {
      const prefix = bounds.prefix.toString('latin1');
      this.#dirtyIds.scan(prefix, null, false, (id) => id.startsWith(prefix) && ids.push(id) > 0);
      return ids;
    }
    const from = bounds.from === null ? null : bounds.from.toString('latin1');
    const to = bounds.to === null ? null : bounds.to.toString('latin1');
    this.#dirtyIds.scan(from, to, false, (id) => ids.push(id) > 0);
    return ids;
  }
}
