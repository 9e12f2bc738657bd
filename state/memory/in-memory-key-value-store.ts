// The in-memory engine: a hash map for point access, plus a sorted index of the keys for range scans. The index
// is built on the first scan and then kept up to date on every insert and delete, so stores that only get and
// put (counts) never pay for it, and stores that scan on most operations (windows, joins) never re-sort.
// Keys are indexed by their latin1 string, whose code-unit order equals unsigned byte order.

import { StateStoreError } from '../../common/errors.ts';
import type { KeyValue } from '../../common/record.ts';
import type { Serializer } from '../../common/serdes.ts';
import type { KeyValueBytesStore, KeyValueBytesStoreSupplier } from '../api/key-value-store.ts';
import { SortedIdList } from '../api/sorted-id-list.ts';
import type { ChangelogRecord, StateStoreContext } from '../api/state-store.ts';

interface Entry {
  readonly key: Buffer;
  value: Buffer;
}

export class InMemoryKeyValueStore implements KeyValueBytesStore {
  readonly name: string;
  readonly persistent = false;
  readonly #entries = new Map<string, Entry>();
  #ids: SortedIdList | null = null;
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
      if (this.#entries.delete(id)) this.#ids?.remove(id);
      return;
    }
    const entry = this.#entries.get(id);
    if (entry !== undefined) {
      entry.value = value;
      return;
    }
    this.#entries.set(id, { key, value });
    this.#ids?.insert(id);
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

  deleteRange(from: Buffer | null, to: Buffer): void {
    if (!this.#open) throw new StateStoreError(`store ${this.name} is not open`);
    const hi = to.toString('latin1');
    const doomed: string[] = [];
    this.#index().scan(from === null ? null : from.toString('latin1'), hi, false, (id) => {
      if (id < hi) doomed.push(id);
      return id < hi;
    });
    for (const id of doomed) {
      this.#entries.delete(id);
      this.#ids!.remove(id);
    }
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
    this.#index().scan(start, null, false, (id) => {
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

  #index(): SortedIdList {
    if (this.#ids === null) this.#ids = SortedIdList.from([...this.#entries.keys()].sort());
    return this.#ids;
  }

  #scan(from: Buffer | null, to: Buffer | null, reverse: boolean): KeyValue<Buffer, Buffer>[] {
    const out: KeyValue<Buffer, Buffer>[] = [];
    const lo = from === null ? null : from.toString('latin1');
    const hi = to === null ? null : to.toString('latin1');
    this.#index().scan(lo, hi, reverse, (id) => {
      const entry = this.#entries.get(id)!;
      out.push({ key: entry.key, value: entry.value });
      return true;
    });
    return out;
  }
}

export function inMemoryKeyValueStoreSupplier(name: string): KeyValueBytesStoreSupplier {
  return { name, persistent: false, metricsScope: 'in-memory', get: () => new InMemoryKeyValueStore(name) };
}
