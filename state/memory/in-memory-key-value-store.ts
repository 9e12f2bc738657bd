// The in-memory engine: a hash map for point access plus a sorted key index built lazily for range scans.
// Keys are indexed by their latin1 string, whose code-unit order equals unsigned byte order.

import type { KeyValue } from '../../common/record.ts';
import type { Serializer } from '../../common/serdes.ts';
import { StateStoreError } from '../../common/errors.ts';
import type { KeyValueBytesStore, KeyValueBytesStoreSupplier } from '../api/key-value-store.ts';
import type { ChangelogRecord, StateStoreContext } from '../api/state-store.ts';
import { scanSorted, type ScanBounds } from '../api/sorted-scan.ts';

interface Entry {
  readonly key: Buffer;
  value: Buffer;
}

export class InMemoryKeyValueStore implements KeyValueBytesStore {
  readonly name: string;
  readonly persistent = false;
  readonly #entries = new Map<string, Entry>();
  #sortedKeys: string[] | null = [];
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
    this.#assertOpen();
    const id = key.toString('latin1');
    if (value === null) {
      if (this.#entries.delete(id)) this.#sortedKeys = null;
      return;
    }
    const entry = this.#entries.get(id);
    if (entry !== undefined) {
      entry.value = value;
      return;
    }
    this.#entries.set(id, { key, value });
    this.#sortedKeys = null;
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
    return this.#scan({ from, to, reverse: false });
  }
  reverseRange(from: Buffer | null, to: Buffer | null): KeyValue<Buffer, Buffer>[] {
    return this.#scan({ from, to, reverse: true });
  }
  all(): KeyValue<Buffer, Buffer>[] {
    return this.#scan({ from: null, to: null, reverse: false });
  }
  reverseAll(): KeyValue<Buffer, Buffer>[] {
    return this.#scan({ from: null, to: null, reverse: true });
  }
  prefixScan<P>(prefix: P, prefixSerializer: Serializer<P>): KeyValue<Buffer, Buffer>[] {
    const bytes = prefixSerializer.serialize(prefix);
    if (bytes === null) return [];
    return this.#scan({ prefix: bytes, from: null, to: null, reverse: false });
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

  #scan(bounds: ScanBounds): KeyValue<Buffer, Buffer>[] {
    if (this.#sortedKeys === null) this.#sortedKeys = [...this.#entries.keys()].sort();
    const out: KeyValue<Buffer, Buffer>[] = [];
    for (const id of scanSorted(this.#sortedKeys, bounds)) {
      const entry = this.#entries.get(id)!;
      out.push({ key: entry.key, value: entry.value });
    }
    return out;
  }

  #assertOpen(): void {
    if (!this.#open) throw new StateStoreError(`store ${this.name} is not open`);
  }
}

export function inMemoryKeyValueStoreSupplier(name: string): KeyValueBytesStoreSupplier {
  return { name, persistent: false, metricsScope: 'in-memory', get: () => new InMemoryKeyValueStore(name) };
}
