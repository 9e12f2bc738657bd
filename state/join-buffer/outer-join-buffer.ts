// The records of a left or outer stream-stream join that have not found a partner yet, from both sides, in one
// store ordered by time: when their window closes they are emitted with null for the other side, unless a
// partner arrived first and removed them. Composite keys [timestamp][side][key][sequence].

import type { Serde } from '../../common/serdes.ts';
import { StateStoreError } from '../../common/errors.ts';
import type { KeyValueBytesStore } from '../api/key-value-store.ts';
import type { ChangelogRecord, RestoreTarget, StateStore, StateStoreContext } from '../api/state-store.ts';
import {
  RAW_PREFIX,
  readTimestamp,
  SEQUENCE_BYTES,
  SequenceNumbers,
  TIMESTAMP_BYTES,
  timeSideKeyPrefix,
  timeSideKeySequence,
  writeTimestamp,
} from './buffer-keys.ts';

/** Encoded in the buffer's keys as Kafka does (right 0, left 1): at equal timestamps right records sort first. */
export const JoinSide = { LEFT: 1, RIGHT: 0 } as const;
export type JoinSide = (typeof JoinSide)[keyof typeof JoinSide];

export interface UnjoinedRecord<K, VL, VR> {
  readonly key: K;
  readonly side: JoinSide;
  readonly timestamp: number;
  /** The value of the record's own side (left value for LEFT, right value for RIGHT). */
  readonly value: VL | VR;
}

export interface OuterJoinBuffer<K, VL, VR> extends StateStore {
  put(key: K, side: JoinSide, value: VL | VR, timestamp: number): void;
  /** Forgets every record of `side` with this key and timestamp: they found a partner. */
  remove(key: K, side: JoinSide, timestamp: number): void;
  /**
   * Removes and returns, oldest first, the records whose window has closed: `isClosed(side, timestamp)`
   * is asked only for records older than `candidatesBefore`.
   */
  takeClosed(candidatesBefore: number, isClosed: (side: JoinSide, timestamp: number) => boolean): UnjoinedRecord<K, VL, VR>[];
  /** A lower bound of the oldest buffered timestamp (−∞ when unknown, e.g. after a restore). */
  readonly oldestTimestamp: number;
}

export class KeyValueOuterJoinBuffer<K, VL, VR> implements OuterJoinBuffer<K, VL, VR>, RestoreTarget {
  readonly name: string;
  readonly #store: KeyValueBytesStore;
  #keySerde: Serde<K> | undefined;
  #leftSerde: Serde<VL> | undefined;
  #rightSerde: Serde<VR> | undefined;
  readonly #sequences = new SequenceNumbers();
  #oldest = Number.POSITIVE_INFINITY;
  #open = false;

  constructor(
    name: string,
    store: KeyValueBytesStore,
    keySerde: Serde<K> | undefined,
    leftSerde: Serde<VL> | undefined,
    rightSerde: Serde<VR> | undefined,
  ) {
    this.name = name;
    this.#store = store;
    this.#keySerde = keySerde;
    this.#leftSerde = leftSerde;
    this.#rightSerde = rightSerde;
  }

  get persistent(): boolean {
    return this.#store.persistent;
  }

  get oldestTimestamp(): number {
    return this.#oldest;
  }

  init(context: StateStoreContext): void {
    this.#keySerde ??= context.defaultKeySerde;
    this.#leftSerde ??= context.defaultValueSerde;
    this.#rightSerde ??= context.defaultValueSerde;
    this.#store.init(context);
    // What a previous owner left here is unknown until the first scan.
    this.#oldest = Number.NEGATIVE_INFINITY;
    this.#open = true;
  }

  put(key: K, side: JoinSide, value: VL | VR, timestamp: number): void {
    const keyBytes = this.#keyBytes(key);
    const sequence = this.#sequences.next((s) => this.#store.get(timeSideKeySequence(timestamp, side, keyBytes, s)) !== undefined);
    const serde = (side === JoinSide.LEFT ? this.#leftSerde : this.#rightSerde) as Serde<VL | VR>;
    this.#store.put(timeSideKeySequence(timestamp, side, keyBytes, sequence), serde.serialize(value, this.name));
    if (timestamp < this.#oldest) this.#oldest = timestamp;
  }

  remove(key: K, side: JoinSide, timestamp: number): void {
    if (timestamp < this.#oldest) return;
    const prefix = timeSideKeyPrefix(timestamp, side, this.#keyBytes(key));
    for (const entry of this.#store.prefixScan(prefix, RAW_PREFIX)) {
      // Longer keys starting with the same bytes share the prefix; their entries are longer.
      if (entry.key.length === prefix.length + SEQUENCE_BYTES) this.#store.delete(entry.key);
    }
  }

  takeClosed(candidatesBefore: number, isClosed: (side: JoinSide, timestamp: number) => boolean): UnjoinedRecord<K, VL, VR>[] {
    const taken: UnjoinedRecord<K, VL, VR>[] = [];
    if (candidatesBefore <= 0) return taken;
    const upper = Buffer.alloc(TIMESTAMP_BYTES + 1, 0xff);
    writeTimestamp(upper, 0, candidatesBefore - 1);
    // Start at the oldest record that can still be here: what was taken before lies below it, and in RocksDB
    // the deletes it left behind would otherwise be stepped over by every scan.
    let lower: Buffer | null = null;
    if (Number.isFinite(this.#oldest) && this.#oldest > 0) {
      lower = Buffer.alloc(TIMESTAMP_BYTES);
      writeTimestamp(lower, 0, this.#oldest);
    }
    let oldestKept = Number.POSITIVE_INFINITY;
    // Every key of a timestamp ≤ candidatesBefore − 1 sorts at or before upper (that timestamp, then 0xff).
    for (const entry of this.#store.range(lower, upper)) {
      const timestamp = readTimestamp(entry.key, 0);
      const side = entry.key[TIMESTAMP_BYTES] as JoinSide;
      if (!isClosed(side, timestamp)) {
        if (timestamp < oldestKept) oldestKept = timestamp;
        continue;
      }
      const keyBytes = entry.key.subarray(TIMESTAMP_BYTES + 1, entry.key.length - SEQUENCE_BYTES);
      const serde = (side === JoinSide.LEFT ? this.#leftSerde : this.#rightSerde) as Serde<VL | VR>;
      taken.push({
        key: this.#keySerde!.deserialize(keyBytes, this.name) as K,
        side,
        timestamp,
        value: serde.deserialize(entry.value, this.name) as VL | VR,
      });
      this.#store.delete(entry.key);
    }
    // Records from candidatesBefore on were not looked at; the oldest of them is at least that old.
    this.#oldest = Math.min(oldestKept, candidatesBefore);
    return taken;
  }

  restoreBatch(records: ReadonlyArray<ChangelogRecord>): void {
    this.#store.restoreBatch(records);
    this.#oldest = Number.NEGATIVE_INFINITY;
  }

  flush(): void {
    this.#store.flush();
  }

  close(): void {
    this.#store.close();
    this.#open = false;
  }

  isOpen(): boolean {
    return this.#open;
  }

  #keyBytes(key: K): Buffer {
    const bytes = this.#keySerde!.serialize(key, this.name);
    if (bytes === null) throw new StateStoreError(`join buffer ${this.name}: a null key cannot be buffered`);
    return bytes;
  }
}
