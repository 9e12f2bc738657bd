// A write-behind layer for stores that scan as often as they write (join buffers, subscription and versioned
// stores). Writes wait in a sorted index until flush, and scans merge them over the engine's answer, so between
// commits the memory engine keeps its sorted key index (it rebuilds it after any new key) and the RocksDB engine
// scans its iterator alone (it re-filters all unflushed writes on every scan).

import type { KeyValue } from '../../common/record.ts';
import type { Serializer } from '../../common/serdes.ts';
import type { KeyValueBytesStoreSupplier } from '../api/key-value-store.ts';
import type { ChangelogRecord } from '../api/state-store.ts';
import { WrappedKeyValueBytesStore } from '../api/wrapped-store.ts';
import { SortedKeyIndex } from './sorted-key-index.ts';

interface PendingWrite {
  readonly key: Buffer;
  /** null deletes the key. */
  readonly value: Buffer | null;
}

/** Writes held beyond this are written through early, so a long commit interval cannot grow the layer unbounded. */
const MAX_PENDING = 100_000;

export class OrderedWriteBuffer extends WrappedKeyValueBytesStore {
  readonly #pending = new Map<string, PendingWrite>();
  readonly #index = new SortedKeyIndex();

  override get(key: Buffer): Buffer | undefined {
    const pending = this.#pending.get(key.toString('latin1'));
    if (pending !== undefined) return pending.value ?? undefined;
    return this.inner.get(key);
  }

  override put(key: Buffer, value: Buffer | null): void {
    const id = key.toString('latin1');
    if (!this.#pending.has(id)) this.#index.insert(id);
    this.#pending.set(id, { key, value });
    if (this.#pending.size > MAX_PENDING) this.flush();
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
    return this.#merge(this.inner.range(from, to), this.#selected(from, to), false);
  }
  override reverseRange(from: Buffer | null, to: Buffer | null): KeyValue<Buffer, Buffer>[] {
    return this.#merge(this.inner.reverseRange(from, to), this.#selected(from, to), true);
  }
  override all(): KeyValue<Buffer, Buffer>[] {
    return this.#merge(this.inner.all(), this.#selected(null, null), false);
  }
  override reverseAll(): KeyValue<Buffer, Buffer>[] {
    return this.#merge(this.inner.reverseAll(), this.#selected(null, null), true);
  }
  override prefixScan<P>(prefix: P, prefixSerializer: Serializer<P>): KeyValue<Buffer, Buffer>[] {
    const bytes = prefixSerializer.serialize(prefix);
    if (bytes === null) return [];
    const pending = this.#pending.size === 0 ? [] : this.#index.select(null, null, bytes.toString('latin1'));
    return this.#merge(this.inner.prefixScan(prefix, prefixSerializer), pending, false);
  }

  override approximateNumEntries(): number {
    let added = 0;
    for (const write of this.#pending.values()) added += write.value === null ? -1 : 1;
    return Math.max(0, this.inner.approximateNumEntries() + added);
  }

  /** Writes every held write through, in key order, then flushes the engine. */
  override flush(): void {
    if (this.#pending.size > 0) {
      for (const id of this.#index.select(null, null)) {
        const write = this.#pending.get(id)!;
        this.inner.put(write.key, write.value);
      }
      this.#pending.clear();
      this.#index.clear();
    }
    this.inner.flush();
  }

  /** Restored records land after everything written before them. */
  override restoreBatch(records: ReadonlyArray<ChangelogRecord>): void {
    this.flush();
    this.inner.restoreBatch(records);
  }

  override close(): void {
    this.flush();
    super.close();
  }

  #selected(from: Buffer | null, to: Buffer | null): string[] {
    if (this.#pending.size === 0) return [];
    return this.#index.select(from === null ? null : from.toString('latin1'), to === null ? null : to.toString('latin1'));
  }

  /** The engine's entries with the held writes laid over them, in scan order. */
  #merge(stored: KeyValue<Buffer, Buffer>[], pendingIds: string[], reverse: boolean): KeyValue<Buffer, Buffer>[] {
    if (pendingIds.length === 0) return stored;
    if (reverse) pendingIds.reverse();
    const direction = reverse ? -1 : 1;
    const out: KeyValue<Buffer, Buffer>[] = [];
    let p = 0;
    for (const entry of stored) {
      let replaced = false;
      while (p < pendingIds.length) {
        const write = this.#pending.get(pendingIds[p])!;
        const order = Buffer.compare(write.key, entry.key) * direction;
        if (order > 0) break;
        if (order === 0) replaced = true;
        if (write.value !== null) out.push({ key: write.key, value: write.value });
        p++;
      }
      if (!replaced) out.push(entry);
    }
    for (; p < pendingIds.length; p++) {
      const write = this.#pending.get(pendingIds[p])!;
      if (write.value !== null) out.push({ key: write.key, value: write.value });
    }
    return out;
  }
}

/** The engine of `supplier` behind an ordered write buffer. */
export function orderedWrites(supplier: KeyValueBytesStoreSupplier): KeyValueBytesStoreSupplier {
  return {
    name: supplier.name,
    persistent: supplier.persistent,
    metricsScope: supplier.metricsScope,
    get: () => new OrderedWriteBuffer(supplier.get()),
  };
}
