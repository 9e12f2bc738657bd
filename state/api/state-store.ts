// The interfaces every store implements, whatever its engine or layers.

import type { Headers } from '../../common/record.ts';
import type { Serde } from '../../common/serdes.ts';

/** What a store sees of the task it lives in. */
export interface StateStoreContext {
  readonly applicationId: string;
  readonly taskId: string;
  /** The partition of the task; the changelog record goes to the same partition. */
  readonly partition: number;
  /** Directory for this task's persistent stores. */
  readonly stateDir: string;
  /** Serdes for stores that name none (the config's defaults). */
  readonly defaultKeySerde: Serde<any>;
  readonly defaultValueSerde: Serde<any>;
  /** Bytes the record cache of one store may hold before it evicts (0 disables caching). */
  readonly cacheMaxBytes: number;
  /** Timestamp of the record being processed (changelog records carry it). */
  recordTimestamp(): number;
  /** The task's stream time (stores with a time-to-live expire by it); absent in contexts without one. */
  currentStreamTimeMs?(): number;
  recordHeaders(): Headers;
  /** Runs `fn` as if the record being processed had this timestamp and headers (used when caches flush). */
  withRecordContext(timestamp: number, headers: Headers, fn: () => void): void;
  /** Sends one changelog record; `value` null is a tombstone. */
  logChange(storeName: string, key: Buffer, value: Buffer | null, timestamp: number, headers?: Headers): void;
  /** Changelog topic name for a store, `<applicationId>-<store>-changelog`. */
  changelogTopic(storeName: string): string;
}

export interface StateStore {
  readonly name: string;
  readonly persistent: boolean;
  init(context: StateStoreContext): void;
  /** Makes every accepted write durable in the layer below (caches forward and write through). */
  flush(): void;
  close(): void;
  isOpen(): boolean;
}

/** Restores a store from its changelog, below the change-logging layer so nothing is logged again. */
export interface RestoreTarget {
  restoreBatch(records: ReadonlyArray<ChangelogRecord>): void;
}

/** A record read back from a changelog topic. */
export interface ChangelogRecord {
  readonly key: Buffer;
  readonly value: Buffer | null;
  readonly timestamp: number;
}
