// The buffer behind KTable#suppress: the latest update per key, kept in order of a buffer time (a window's end,
// or the time of the key's first buffered update) until the suppression lets it go. A key updated again keeps its
// place. Changes are logged at commit, one record per key touched (a tombstone once it was emitted), so a moved
// task rebuilds the buffer from its changelog.

import { StateStoreError } from '../../common/errors.ts';
import type { Headers } from '../../common/record.ts';
import type { Serde } from '../../common/serdes.ts';
import type { ChangelogRecord, RestoreTarget, StateStore, StateStoreContext } from '../api/state-store.ts';
import type { StoreBuilder } from '../api/store-builder.ts';
import { readLong, writeLong } from '../api/windowed.ts';

export interface BufferedUpdate<K, V> {
  readonly key: K;
  readonly id: string;
  readonly keyBytes: Buffer;
  /** Set when the key is first buffered and kept on later updates. */
  readonly bufferTime: number;
  newValue: V | null;
  oldValue: V | null;
  /** What downstream last saw for the key: the old value of the first buffered update. */
  readonly priorValue: V | null;
  timestamp: number;
  headers: Headers;
  bytes: number;
}

/** Serdes given, or derived from the task's default serdes at init. */
export type BufferSerde<T> = Serde<T> | ((defaults: { key: Serde<any>; value: Serde<any> }) => Serde<T>);

const ENTRY_OVERHEAD_BYTES = 64;

function before(a: BufferedUpdate<unknown, unknown>, b: BufferedUpdate<unknown, unknown>): boolean {
  return a.bufferTime < b.bufferTime || (a.bufferTime === b.bufferTime && a.id < b.id);
}

export class InMemorySuppressionBuffer<K, V> implements StateStore, RestoreTarget {
  readonly name: string;
  readonly persistent = false;
  readonly #keySpec: BufferSerde<K> | undefined;
  readonly #valueSpec: BufferSerde<V> | undefined;
  readonly #logging: boolean;
  #keySerde!: Serde<K>;
  #valueSerde!: Serde<V>;
  #context: StateStoreContext | null = null;
  readonly #byId = new Map<string, BufferedUpdate<K, V>>();
  /** A binary min-heap by (buffer time, key bytes): the next update to let go is at the top. */
  #heap: BufferedUpdate<K, V>[] = [];
  readonly #dirty = new Set<string>();
  #bytes = 0;

  constructor(name: string, keySerde: BufferSerde<K> | undefined, valueSerde: BufferSerde<V> | undefined, logging: boolean) {
    this.name = name;
    this.#keySpec = keySerde;
    this.#valueSpec = valueSerde;
    this.#logging = logging;
  }

  init(context: StateStoreContext): void {
    const defaults = { key: context.defaultKeySerde, value: context.defaultValueSerde };
    const resolve = <T>(spec: BufferSerde<T> | undefined, fallback: Serde<any>): Serde<T> =>
      spec === undefined ? fallback : typeof spec === 'function' ? spec(defaults) : spec;
    this.#keySerde = resolve(this.#keySpec, context.defaultKeySerde);
    this.#valueSerde = resolve(this.#valueSpec, context.defaultValueSerde);
    this.#context = context;
  }

  get numRecords(): number {
    return this.#byId.size;
  }
  get bufferSize(): number {
    return this.#bytes;
  }
  /** Buffer time of the next update to go; +∞ when empty. */
  get minTimestamp(): number {
    return this.#heap.length === 0 ? Number.POSITIVE_INFINITY : this.#heap[0].bufferTime;
  }

  put(bufferTime: number, key: K, newValue: V | null, oldValue: V | null, timestamp: number, headers: Headers, countBytes: boolean): void {
    const keyBytes = this.#keySerde.serialize(key, this.name);
    if (keyBytes === null) throw new StateStoreError(`suppression buffer ${this.name}: a null key cannot be buffered`);
    const id = keyBytes.toString('latin1');
    const existing = this.#byId.get(id);
    const bytes = countBytes ? this.#sizeOf(keyBytes, newValue, oldValue) : 0;
    if (existing !== undefined) {
      existing.newValue = newValue;
      existing.oldValue = oldValue;
      existing.timestamp = timestamp;
      existing.headers = headers;
      this.#bytes += bytes - existing.bytes;
      existing.bytes = bytes;
    } else {
      const update: BufferedUpdate<K, V> = { key, id, keyBytes, bufferTime, newValue, oldValue, priorValue: oldValue, timestamp, headers, bytes };
      this.#byId.set(id, update);
      this.#push(update);
      this.#bytes += bytes;
    }
    this.#dirty.add(id);
  }

  /** Takes updates off the top while `predicate` holds, handing each to `emit`. */
  evictWhile(predicate: () => boolean, emit: (update: BufferedUpdate<K, V>) => void): void {
    while (this.#heap.length > 0 && predicate()) {
      const update = this.#pop();
      this.#byId.delete(update.id);
      this.#bytes -= update.bytes;
      this.#dirty.add(update.id);
      emit(update);
    }
  }

  /** The value downstream last saw for a buffered key (Kafka's prior value view); undefined when not buffered. */
  priorValueForBuffered(key: K): { value: V | null } | undefined {
    const keyBytes = this.#keySerde.serialize(key, this.name);
    const update = keyBytes === null ? undefined : this.#byId.get(keyBytes.toString('latin1'));
    return update === undefined ? undefined : { value: update.priorValue };
  }

  /** Commit: one changelog record per key touched since the last one. */
  flush(): void {
    const context = this.#context;
    if (context === null || !this.#logging) {
      this.#dirty.clear();
      return;
    }
    for (const id of this.#dirty) {
      const update = this.#byId.get(id);
      const keyBytes = Buffer.from(id, 'latin1');
      if (update === undefined) context.logChange(this.name, keyBytes, null, context.recordTimestamp());
      else context.logChange(this.name, keyBytes, this.#encode(update), update.timestamp, update.headers);
    }
    this.#dirty.clear();
  }

  restoreBatch(records: ReadonlyArray<ChangelogRecord>): void {
    for (const record of records) {
      const id = record.key.toString('latin1');
      const old = this.#byId.get(id);
      if (old !== undefined) this.#bytes -= old.bytes;
      if (record.value === null) {
        this.#byId.delete(id);
        continue;
      }
      const update = this.#decode(record.key, id, record.value, record.timestamp);
      this.#byId.set(id, update);
      this.#bytes += update.bytes;
    }
    this.#heap = [...this.#byId.values()];
    for (let i = (this.#heap.length >>> 1) - 1; i >= 0; i--) this.#down(i);
  }

  close(): void {
    this.#context = null;
  }
  isOpen(): boolean {
    return this.#context !== null;
  }

  #sizeOf(keyBytes: Buffer, newValue: V | null, oldValue: V | null): number {
    const newBytes = this.#valueSerde.serialize(newValue, this.name);
    const oldBytes = this.#valueSerde.serialize(oldValue, this.name);
    return keyBytes.length + (newBytes?.length ?? 0) + (oldBytes?.length ?? 0) + ENTRY_OVERHEAD_BYTES;
  }

  // The record timestamp travels as the changelog record's timestamp. Value layout:
  // [buffer time 8][flags 1][new length 4][old length 4][prior length 4][new][old][prior][headers as JSON]
  // flags: bit 0 new present, bit 1 old present, bit 2 prior present.
  #encode(update: BufferedUpdate<K, V>): Buffer {
    const parts = [update.newValue, update.oldValue, update.priorValue].map((v) => (v === null ? null : this.#valueSerde.serialize(v, this.name)));
    const headers = Buffer.from(JSON.stringify(update.headers), 'utf8');
    const head = Buffer.allocUnsafe(21);
    writeLong(head, update.bufferTime, 0);
    head.writeUInt8(parts.reduce((flags, p, i) => flags | (p === null ? 0 : 1 << i), 0), 8);
    parts.forEach((p, i) => head.writeUInt32BE(p?.length ?? 0, 9 + 4 * i));
    return Buffer.concat([head, ...parts.filter((p): p is Buffer => p !== null), headers]);
  }

  #decode(keyBytes: Buffer, id: string, data: Buffer, timestamp: number): BufferedUpdate<K, V> {
    const flags = data.readUInt8(8);
    let at = 21;
    const values = [0, 1, 2].map((i) => {
      const length = data.readUInt32BE(9 + 4 * i);
      if ((flags & (1 << i)) === 0) return null;
      const value = this.#valueSerde.deserialize(data.subarray(at, at + length), this.name);
      at += length;
      return value;
    });
    const headers = JSON.parse(data.subarray(at).toString('utf8')) as Headers;
    return {
      key: this.#keySerde.deserialize(keyBytes, this.name) as K,
      id,
      keyBytes,
      bufferTime: readLong(data, 0),
      newValue: values[0],
      oldValue: values[1],
      priorValue: values[2],
      timestamp,
      headers,
      bytes: keyBytes.length + data.length + ENTRY_OVERHEAD_BYTES,
    };
  }

  #push(update: BufferedUpdate<K, V>): void {
    const heap = this.#heap;
    heap.push(update);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  #pop(): BufferedUpdate<K, V> {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.#down(0);
    }
    return top;
  }

  #down(index: number): void {
    const heap = this.#heap;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left], heap[smallest])) smallest = left;
      if (right < heap.length && before(heap[right], heap[smallest])) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
      i = smallest;
    }
  }
}

/** The suppression buffer is never cached; it is change-logged unless disabled. */
export class SuppressionBufferBuilder<K, V> implements StoreBuilder<InMemorySuppressionBuffer<K, V>> {
  readonly name: string;
  readonly cachingEnabled = false;
  readonly persistent = false;
  readonly keySerde: BufferSerde<K> | undefined;
  readonly valueSerde: BufferSerde<V> | undefined;
  #logging = true;
  #logConfig: Readonly<Record<string, string>> = {};

  constructor(name: string, keySerde: BufferSerde<K> | undefined, valueSerde: BufferSerde<V> | undefined) {
    this.name = name;
    this.keySerde = keySerde;
    this.valueSerde = valueSerde;
  }

  get loggingEnabled(): boolean {
    return this.#logging;
  }
  get logConfig(): Readonly<Record<string, string>> {
    return this.#logConfig;
  }
  withLoggingEnabled(config: Readonly<Record<string, string>> = {}): this {
    this.#logging = true;
    this.#logConfig = config;
    return this;
  }
  withLoggingDisabled(): this {
    this.#logging = false;
    return this;
  }

  build(): InMemorySuppressionBuffer<K, V> {
    return new InMemorySuppressionBuffer(this.name, this.keySerde, this.valueSerde, this.#logging);
  }
}
