// Logs every accepted version to the store's changelog as (key, value or tombstone, timestamp), so a restore
// replays the same puts and rebuilds the same history.

import type { ChangelogRecord, StateStoreContext } from '../api/state-store.ts';
import { VersionedPut } from '../api/versioned-key-value-store.ts';
import type { VersionedBytes, VersionedBytesStore } from './versioned-bytes-store.ts';

export class ChangeLoggingVersionedBytesStore implements VersionedBytesStore {
  readonly inner: VersionedBytesStore;
  #context!: StateStoreContext;

  constructor(inner: VersionedBytesStore) {
    this.inner = inner;
  }

  get name(): string {
    return this.inner.name;
  }
  get persistent(): boolean {
    return this.inner.persistent;
  }
  get historyRetentionMs(): number {
    return this.inner.historyRetentionMs;
  }

  init(context: StateStoreContext): void {
    this.#context = context;
    this.inner.init(context);
  }

  put(key: Buffer, value: Buffer | null, timestamp: number): number {
    const result = this.inner.put(key, value, timestamp);
    // A put too old to keep would be skipped again on restore: no need to log it.
    if (result !== VersionedPut.NOT_PUT) this.#context.logChange(this.name, key, value, timestamp);
    return result;
  }

  get(key: Buffer): VersionedBytes | undefined {
    return this.inner.get(key);
  }
  getAsOf(key: Buffer, asOfTimestamp: number): VersionedBytes | undefined {
    return this.inner.getAsOf(key, asOfTimestamp);
  }
  restoreBatch(records: ReadonlyArray<ChangelogRecord>): void {
    this.inner.restoreBatch(records);
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
}
