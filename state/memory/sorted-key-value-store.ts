// An in-memory engine that keeps its keys sorted at all times, for stores that range-scan on most operations
// (window and session stores). Keys live in a chunked sorted list of latin1 strings (whose code-unit order is
// unsigned byte order): inserts and deletes shift at most one chunk, scans walk the chunks in order.

import { StateStoreError } from '../../common/errors.ts';
import type { KeyValue } from '../../common/record.ts';
import type { Serializer } from '../../common/serdes.ts';
import type { KeyValueBytesStore } from '../api/key-value-store.ts';
import type { ChangelogRecord, StateStoreContext } from '../api/state-store.ts';
import { lowerBound } from '../api/sorted-scan.ts';

/** A chunk splits in two past this size, so a shift costs at most this many moves. */
const MAX_CHUNK = 512;

function upperBound(sorted: readonly string[], id: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Sorted, duplicate-free ids in chunks; `lasts[i]` is the greatest id of chunk i, for the binary search. */
export class SortedIdList {
  readonly #chunks: string[][] = [];
  readonly #lasts: string[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The first chunk whose greatest id is ≥ id (the chunk count when every id is smaller). */
  #chunkFor(id: string): number {
    return lowerBound(this.#lasts, id);
  }

  /** Adds an id the caller knows is absent. */
  insert(id: string): void {
    const chunks = this.#chunks;
    if (chunks.length === 0) {
      chunks.push([id]);
      this.#lasts.push(id);
      this.#size++;
      return;
    }
    const c = Math.min(this.#chunkFor(id), chunks.length - 1);
    const chunk = chunks[c];
    chunk.splice(lowerBound(chunk, id), 0, id);
    this.#size++;
    if (chunk.length > MAX_CHUNK) {
      const right = chunk.splice(chunk.length >>> 1);
      chunks.splice(c + 1, 0, right);
      this.#lasts.splice(c + 1, 0, right[right.length - 1]);
    }
    this.#lasts[c] = chunk[chunk.length - 1];
  }

  remove(id: string): void {
    const c = this.#chunkFor(id);
    if (c === this.#chunks.length) return;
    const chunk = this.#chunks[c];
    const at = lowerBound(chunk, id);
    if (chunk[at] !== id) return;
    chunk.splice(at, 1);
    this.#size--;
    if (chunk.length === 0) {
      this.#chunks.splice(c, 1);
      this.#lasts.splice(c, 1);
    } else {
      this.#lasts[c] = chunk[chunk.length - 1];
    }
  }

  /** Visits the ids within [from, to] (null: open), in ascending or descending order, until `visit` says false. */
  scan(from: string | null, to: string | null, reverse: boolean, visit: (id: string) => boolean | undefined): void {
    const chunks = this.#chunks;
    if (chunks.length === 0 || (from !== null && to !== null && from > to)) return;
    if (!reverse) {
      let c = from === null ? 0 : this.#chunkFor(from);
      if (c === chunks.length) return;
      let i = from === null ? 0 : lowerBound(chunks[c], from);
      for (; c < chunks.length; c++, i = 0) {
        const chunk = chunks[c];
        for (; i < chunk.length; i++) {
          const id = chunk[i];
          if ((to !== null && id > to) || visit(id) === false) return;
        }
      }
      return;
    }
    let c: number;
    let i: number;
    if (to === null) {
      c = chunks.length - 1;
      i = chunks[c].length - 1;
    } else {
      c = this.#chunkFor(to);
      if (c === chunks.length) {
        c--;
        i = chunks[c].length - 1;
      } else {
        i = upperBound(chunks[c], to) - 1;
      }
    }
    for (; c >= 0; c--, i = c >= 0 ? chunks[c].length - 1 : 0) {
      const chunk = chunks[c];
      for (; i >= 0; i--) {
        const id = chunk[i];
        if ((from !== null && id < from) || visit(id) === false) return;
      }
    }
  }
}

interface Entry {
  readonly key: Buffer;
  value: Buffer;
}

export class SortedKeyValueStore implements KeyValueBytesStore {
  readonly name: string;
  readonly persistent = false;
  readonly #entries = new Map<string, Entry>();
  readonly #ids = new SortedIdList();
  #open = false;

  constructor(name: string) {
    this.name = name;
  }

  init(_context: StateStoreContext): void {
    this.#open = true;
  }

  get(key: Buffer): Buffer | undefined {
    return this.#entries.get(key.toString('latin1'))?.value;
  }

  put(key: Buffer, value: Buffer | null): void {
    if (!this.#open) throw new StateStoreError(`store ${this.name} is not open`);
    const id = key.toString('latin1');
    if (value === null) {
      if (this.#entries.delete(id)) this.#ids.remove(id);
      return;
    }
    const entry = this.#entries.get(id);
    if (entry !== undefined) {
      entry.value = value;
      return;
    }
    this.#entries.set(id, { key, value });
    this.#ids.insert(id);
  }

  putIfAbsent(key: Buffer, value: Buffer): Buffer | undefined {
    const existing = this.get(key);
    if (existing === undefined) this.put(key, value);
    return existing;
  }

  putAll(entries: ReadonlyArray<KeyValue<Buffer, Buffer | null>>): void {
    for (const entry of entries) this.put(entry.key, entry.value);
  }

  delete(key: Buffer): Buffer | undefined {
    const old = this.get(key);
    this.put(key, null);
    return old;
  }

  restoreBatch(records: ReadonlyArray<ChangelogRecord>): void {
    for (const record of records) this.put(record.key, record.value);
  }

  range(from: Buffer | null, to: Buffer | null): KeyValue<Buffer, Buffer>[] {
    return this.#scan(from, to, false);
  }
  reverseRange(from: Buffer | null, to: Buffer | null): KeyValue<Buffer, Buffer>[] {
    return this.#scan(from, to, true);
  }
  all(): KeyValue<Buffer, Buffer>[] {
    return this.#scan(null, null, false);
  }
  reverseAll(): KeyValue<Buffer, Buffer>[] {
    return this.#scan(null, null, true);
  }

  prefixScan<P>(prefix: P, prefixSerializer: Serializer<P>): KeyValue<Buffer, Buffer>[] {
    const bytes = prefixSerializer.serialize(prefix);
    if (bytes === null) return [];
    const start = bytes.toString('latin1');
    const out: KeyValue<Buffer, Buffer>[] = [];
    this.#ids.scan(start, null, false, (id) => {
      if (!id.startsWith(start)) return false;
      const entry = this.#entries.get(id)!;
      out.push({ key: entry.key, value: entry.value });
      return true;
    });
    return out;
  }

  approximateNumEntries(): number {
    return this.#entries.size;
  }

  flush(): void {}

  close(): void {
    this.#open = false;
  }

  isOpen(): boolean {
    return this.#open;
  }

  #scan(from: Buffer | null, to: Buffer | null, reverse: boolean): KeyValue<Buffer, Buffer>[] {
    const out: KeyValue<Buffer, Buffer>[] = [];
    this.#ids.scan(from === null ? null : from.toString('latin1'), to === null ? null : to.toString('latin1'), reverse, (id) => {
      const entry = this.#entries.get(id)!;
      out.push({ key: entry.key, value: entry.value });
      return true;
    });
    return out;
  }
}
