// Base of the store layers: every call goes to the layer below unless the layer overrides it.

import type { KeyValue } from '../../common/record.ts';
import type { Serializer } from '../../common/serdes.ts';
import type { KeyValueBytesStore } from './key-value-store.ts';
import type { ChangelogRecord, StateStoreContext } from './state-store.ts';

export class WrappedKeyValueBytesStore implements KeyValueBytesStore {
  readonly inner: KeyValueBytesStore;

  constructor(inner: KeyValueBytesStore) {
    this.inner = inner;
  }

  get name(): string {
    return this.inner.name;
  }
  get persistent(): boolean {
    return this.inner.persistent;
  }
  init(context: StateStoreContext): void {
    this.inner.init(context);
  }
  flush(): void {
    this.inner.flush();
  }
  close(): void {
    this.inner.close();
  }
  isOpen(): boolean {
    return this.inner.isOpen();
  }
  get(key: Buffer): Buffer | undefined {
    return this.inner.get(key);
  }
  put(key: Buffer, value: Buffer | null): void {
    this.inner.put(key, value);
  }
  putIfAbsent(key: Buffer, value: Buffer): Buffer | undefined {
    return this.inner.putIfAbsent(key, value);
  }
  putAll(entries: ReadonlyArray<KeyValue<Buffer, Buffer | null>>): void {
    this.inner.putAll(entries);
  }
  delete(key: Buffer): Buffer | undefined {
    return this.inner.delete(key);
  }
  range(from: Buffer | null, to: Buffer | null): KeyValue<Buffer, Buffer>[] {
    return this.inner.range(from, to);
  }
  reverseRange(from: Buffer | null, to: Buffer | null): KeyValue<Buffer, Buffer>[] {
    return this.inner.reverseRange(from, to);
  }
  all(): KeyValue<Buffer, Buffer>[] {
    return this.inner.all();
  }
  reverseAll(): KeyValue<Buffer, Buffer>[] {
    return this.inner.reverseAll();
  }
  prefixScan<P>(prefix: P, prefixSerializer: Serializer<P>): KeyValue<Buffer, Buffer>[] {
    return this.inner.prefixScan(prefix, prefixSerializer);
  }
  approximateNumEntries(): number {
    return this.inner.approximateNumEntries();
  }
  restoreBatch(records: ReadonlyArray<ChangelogRecord>): void {
    this.inner.restoreBatch(records);
  }
}
