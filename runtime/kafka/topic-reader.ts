// Reading topics outside any group, on a raw Fetcher: a topic read once to its current end (a summary, a test's
// verdict), and a topic followed in the background (the operator console's views). Neither commits anything.

import type { ConsumedRecord } from '../../common/record.ts';
import { partitionKey, type Fetcher, type TopicPartition } from './ports.ts';

export const allPartitions = (topic: string, partitions: number): TopicPartition[] => Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));

/**
 * Every readable record of `partitions` from `from` (default: the log start) up to the end offsets read when the
 * call begins, partition by partition in offset order.
 */
export async function readToEnd(fetcher: Fetcher, partitions: readonly TopicPartition[], from?: ReadonlyMap<string, bigint>): Promise<ConsumedRecord[]> {
  const [starts, ends] = await Promise.all([from === undefined ? fetcher.beginningOffsets(partitions) : Promise.resolve(from), fetcher.endOffsets(partitions)]);
  const position = new Map(partitions.map((tp) => [partitionKey(tp.topic, tp.partition), starts.get(partitionKey(tp.topic, tp.partition)) ?? 0n]));
  const out: ConsumedRecord[] = [];
  const behind = () => partitions.filter((tp) => position.get(partitionKey(tp.topic, tp.partition))! < (ends.get(partitionKey(tp.topic, tp.partition)) ?? 0n));
  for (let pending = behind(); pending.length > 0; pending = behind()) {
    const results = await fetcher.fetch(
      pending.map((tp) => ({ ...tp, offset: position.get(partitionKey(tp.topic, tp.partition))! })),
      { maxWaitMs: 100 },
    );
    for (const r of results) {
      const key = partitionKey(r.topic, r.partition);
      if (r.error === 'offset_out_of_range') position.set(key, r.logStartOffset);
      if (r.error !== null) continue;
      const end = ends.get(key) ?? 0n;
      for (const record of r.records) if (record.offset < end) out.push(record);
      position.set(key, r.nextOffset);
    }
  }
  return out;
}

export interface TopicFollowerOptions {
  /** Where each partition starts: its log start (default), or at most `tail` records before its end. */
  readonly tail?: number;
  /** Longest a fetch waits for new records. */
  readonly maxWaitMs?: number;
  /** Told of a fetch that failed; the follower retries after a pause. */
  readonly onError?: (error: unknown) => void;
}

/**
 * Hands every new record of its partitions to `onRecords`, in batches per fetch, until stop(). `caughtUp()`
 * resolves once everything that existed at start() has been handed over.
 */
export class TopicFollower {
  readonly #fetcher: Fetcher;
  readonly #partitions: readonly TopicPartition[];
  readonly #onRecords: (records: readonly ConsumedRecord[]) => void;
  readonly #options: TopicFollowerOptions;
  readonly #positions = new Map<string, bigint>();
  #running = false;
  #loop: Promise<void> = Promise.resolve();
  readonly #caughtUp = Promise.withResolvers<void>();

  constructor(fetcher: Fetcher, partitions: readonly TopicPartition[], onRecords: (records: readonly ConsumedRecord[]) => void, options: TopicFollowerOptions = {}) {
    this.#fetcher = fetcher;
    this.#partitions = partitions;
    this.#onRecords = onRecords;
    this.#options = options;
    // Nobody may be waiting on it when start() fails.
    this.#caughtUp.promise.catch(() => {});
  }

  async start(): Promise<void> {
    if (this.#running) return;
    const [starts, ends] = await Promise.all([this.#fetcher.beginningOffsets(this.#partitions), this.#fetcher.endOffsets(this.#partitions)]);
    for (const tp of this.#partitions) {
      const key = partitionKey(tp.topic, tp.partition);
      const start = starts.get(key) ?? 0n;
      const end = ends.get(key) ?? 0n;
      const tail = this.#options.tail;
      this.#positions.set(key, tail === undefined || end - start <= BigInt(tail) ? start : end - BigInt(tail));
    }
    this.#running = true;
    this.#loop = this.#follow(ends);
  }

  /** Resolves once the records present at start() have been handed over. */
  caughtUp(): Promise<void> {
    return this.#caughtUp.promise;
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    await this.#fetcher.close().catch(() => {});
  }

  async #follow(initialEnds: ReadonlyMap<string, bigint>): Promise<void> {
    const maxWaitMs = this.#options.maxWaitMs ?? 250;
    const reached = () => this.#partitions.every((tp) => this.#positions.get(partitionKey(tp.topic, tp.partition))! >= (initialEnds.get(partitionKey(tp.topic, tp.partition)) ?? 0n));
    let announced = false;
    while (this.#running) {
      if (!announced && reached()) {
        announced = true;
        this.#caughtUp.resolve();
      }
      try {
        const results = await this.#fetcher.fetch(
          this.#partitions.map((tp) => ({ ...tp, offset: this.#positions.get(partitionKey(tp.topic, tp.partition))! })),
          { maxWaitMs },
        );
        const batch: ConsumedRecord[] = [];
        for (const r of results) {
          const key = partitionKey(r.topic, r.partition);
          if (this.#positions.get(key) !== r.fetchOffset) continue;
          if (r.error === 'offset_out_of_range') this.#positions.set(key, r.logStartOffset);
          if (r.error !== null) continue;
          for (const record of r.records) batch.push(record);
          this.#positions.set(key, r.nextOffset);
        }
        if (batch.length > 0) this.#onRecords(batch);
      } catch (error) {
        this.#options.onError?.(error);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
}
