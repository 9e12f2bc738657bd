// Writes every update that reaches it to the store's changelog topic, so the store can be rebuilt elsewhere.
// Timestamped stores log the plain value with the entry's timestamp as the record timestamp (Kafka's layout),
// and restore adds the timestamp back.

import type { KeyValue } from '../../common/record.ts';
import type { ChangelogRecord, StateStoreContext } from '../api/state-store.ts';
import { WrappedKeyValueBytesStore } from '../api/wrapped-store.ts';
import type { KeyValueBytesStore } from '../api/key-value-store.ts';

export class ChangeLoggingKeyValueStore extends WrappedKeyValueBytesStore {
  readonly #timestamped: boolean;
  #context!: StateStoreContext;

  constructor(inner: KeyValueBytesStore, timestamped: boolean) {
    super(inner);
    this.#timestamped = timestamped;
  }

  override init(context: StateStoreContext): void {
    this.#context = context;
    super.init(context);
  }

  override put(key: Buffer, value: Buffer | null): void {
    this.inner.put(key, value);
    this.#log(key, value);
  }

  override putIfAbsent(key: Buffer, value: Buffer): Buffer | undefined {
    const existing = this.inner.putIfAbsent(key, value);
    if (existing === undefined) this.#log(key, value);
    return existing;
  }

  override putAll(entries: ReadonlyArray<KeyValue<Buffer, Buffer | null>>): void {
    for (const entry of entries) this.put(entry.key, entry.value);
  }

  override delete(key: Buffer): Buffer | undefined {
    const old = this.inner.delete(key);
    this.#log(key, null);
    return old;
  }

  override restoreBatch(records: ReadonlyArray<ChangelogRecord>): void {
    if (!this.#timestamped) {
      this.inner.restoreBatch(records);
      return;
    }
    this.inner.restoreBatch(
      records.map((record) => {
        if (record.value === null) return record;
        const value = Buffer.allocUnsafe(8 + record.value.length);
        value.writeBigInt64BE(BigInt(record.timestamp), 0);
        record.value.copy(value, 8);
        return { key: record.key, value, timestamp: record.timestamp };
      }),
    );
  }

  #log(key: Buffer, value: Buffer | null): void {
    if (this.#timestamped && value !== null) {
      const timestamp = Number(value.readBigInt64BE(0));
      this.#context.logChange(this.name, key, value.subarray(8), timestamp);
      return;
    }
    this.#context.logChange(this.name, key, value, this.#context.recordTimestamp());
  }
}
