// Time-to-live for key-value stores (opt-in, `withTtl` on the builder): an entry whose timestamp is older than
// stream time − ttl is invisible at once and purged later. Two layers, because of the record cache between them:
//  - TtlFilterStore, on top (above the cache, whose clean entries may still hold a purged value), hides expired
//    entries; on a plain store it also prefixes each value with the timestamp of the record that wrote it.
//  - TtlPurgeStore, below the cache (so a purge is never forwarded downstream as a table update) and above the
//    changelog (so the compacted topic forgets purged keys too), deletes expired entries at commit.
// Below the filter every value starts with its 8-byte timestamp, as in timestamped stores (so a plain store's cache
// flush listener, which reads below the filter, sees that prefix; table stores are unaffected).

import { ConfigError } from '../../common/errors.ts';
import type { KeyValue } from '../../common/record.ts';
import type { Serializer } from '../../common/serdes.ts';
import type { KeyValueBytesStore } from '../api/key-value-store.ts';
import type { StateStoreContext } from '../api/state-store.ts';
import { readLong, writeLong } from '../api/windowed.ts';
import { WrappedKeyValueBytesStore } from '../api/wrapped-store.ts';

export interface TtlOptions {
  /** Stream time between two purges (each scans the whole store); default: the ttl. */
  readonly purgeIntervalMs?: number;
}

export function checkTtl(ttlMs: number, options: TtlOptions): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new ConfigError(`withTtl: ttl must be an integer > 0 ms, got ${ttlMs}`);
  const interval = options.purgeIntervalMs;
  if (interval !== undefined && (!Number.isSafeInteger(interval) || interval <= 0)) {
    throw new ConfigError(`withTtl: purgeIntervalMs must be an integer > 0 ms, got ${interval}`);
  }
}

/** Stream time as the task sees it, or (in a context without it) the latest record timestamp written. */
class StreamClock {
  #context: StateStoreContext | null = null;
  #observed = Number.NEGATIVE_INFINITY;

  bind(context: StateStoreContext): void {
    this.#context = context;
  }
  observeWrite(): number {
    const timestamp = this.#context?.recordTimestamp() ?? Number.NEGATIVE_INFINITY;
    if (timestamp > this.#observed) this.#observed = timestamp;
    return timestamp;
  }
  now(): number {
    const task = this.#context?.currentStreamTimeMs?.() ?? Number.NEGATIVE_INFINITY;
    return task > this.#observed ? task : this.#observed;
  }
}

export class TtlFilterStore extends WrappedKeyValueBytesStore {
  readonly ttlMs: number;
  readonly #prefixValues: boolean;
  readonly #clock = new StreamClock();

  /** `prefixValues`: the store above is a plain key-value store, whose values carry no timestamp yet. */
  constructor(inner: KeyValueBytesStore, ttlMs: number, prefixValues: boolean) {
    super(inner);
    this.ttlMs = ttlMs;
    this.#prefixValues = prefixValues;
  }

  override init(context: StateStoreContext): void {
    this.#clock.bind(context);
    super.init(context);
  }

  override get(key: Buffer): Buffer | undefined {
    return this.#visible(this.inner.get(key), this.#expiredBefore());
  }

  override put(key: Buffer, value: Buffer | null): void {
    const timestamp = this.#clock.observeWrite();
    if (value === null || !this.#prefixValues) {
      this.inner.put(key, value);
      return;
    }
    const stamped = Buffer.allocUnsafe(8 + value.length);
    writeLong(stamped, timestamp, 0);
    value.copy(stamped, 8);
    this.inner.put(key, stamped);
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
    return this.#live(this.inner.range(from, to));
  }
  override reverseRange(from: Buffer | null, to: Buffer | null): KeyValue<Buffer, Buffer>[] {
    return this.#live(this.inner.reverseRange(from, to));
  }
  override all(): KeyValue<Buffer, Buffer>[] {
    return this.#live(this.inner.all());
  }
  override reverseAll(): KeyValue<Buffer, Buffer>[] {
    return this.#live(this.inner.reverseAll());
  }
  override prefixScan<P>(prefix: P, prefixSerializer: Serializer<P>): KeyValue<Buffer, Buffer>[] {
    return this.#live(this.inner.prefixScan(prefix, prefixSerializer));
  }

  /** Entries with a timestamp below this are expired. */
  #expiredBefore(): number {
    return this.#clock.now() - this.ttlMs;
  }

  #visible(value: Buffer | undefined, expiredBefore: number): Buffer | undefined {
    if (value === undefined || readLong(value, 0) < expiredBefore) return undefined;
    return this.#prefixValues ? value.subarray(8) : value;
  }

  #live(entries: KeyValue<Buffer, Buffer>[]): KeyValue<Buffer, Buffer>[] {
    const expiredBefore = this.#expiredBefore();
    const out: KeyValue<Buffer, Buffer>[] = [];
    for (const entry of entries) {
      const value = this.#visible(entry.value, expiredBefore);
      if (value !== undefined) out.push({ key: entry.key, value });
    }
    return out;
  }
}

export class TtlPurgeStore extends WrappedKeyValueBytesStore {
  readonly ttlMs: number;
  readonly purgeIntervalMs: number;
  readonly #clock = new StreamClock();
  #lastPurge = Number.NEGATIVE_INFINITY;

  constructor(inner: KeyValueBytesStore, ttlMs: number, options: TtlOptions = {}) {
    super(inner);
    this.ttlMs = ttlMs;
    this.purgeIntervalMs = options.purgeIntervalMs ?? ttlMs;
  }

  override init(context: StateStoreContext): void {
    this.#clock.bind(context);
    super.init(context);
  }

  override put(key: Buffer, value: Buffer | null): void {
    this.#clock.observeWrite();
    this.inner.put(key, value);
  }

  /**
   * Commit: 1. purge when stream time moved a purge interval since the last one (deletes go through the changelog)
   * 2. flush the layers below.
   */
  override flush(): void {
    const now = this.#clock.now();
    if (now - this.#lastPurge >= this.purgeIntervalMs) {
      this.#lastPurge = now;
      const expiredBefore = now - this.ttlMs;
      for (const entry of this.inner.all()) {
        if (readLong(entry.value, 0) < expiredBefore) this.inner.put(entry.key, null);
      }
    }
    this.inner.flush();
  }
}
