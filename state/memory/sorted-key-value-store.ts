// An in-memory engine that keeps its keys sorted at all times, for stores that range-scan on most operations
// (window and session stores): a hash map for the entries and a SortedIdList of their latin1 keys for the scans.

import { StateStoreError } from '../../common/errors.ts';
import type { KeyValue } from '../../common/record.ts';
import type { Serializer } from '../../common/serdes.ts';
import type { KeyValueBytesStore } from '../api/key-value-store.ts';
import type { ChangelogRecord, StateStoreContext } from '../api/state-store.ts';
import { SortedIdList } from '../api/sorted-id-list.ts';

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
