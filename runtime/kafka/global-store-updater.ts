// Keeps the global stores of one instance filled from every partition of their topics: bootstrap() reads
// to the end offsets seen at start (tasks process nothing before it returns), then a background loop
// follows new records. Each batch applies as soon as its fetch returns: between two of the main loop's
// synchronous passes, never during one, so the next pass sees it. The fetcher must be this loop's alone:
// its long poll returns as soon as a record arrives, unless something else holds the fetcher's connection.

import type { Logger } from '../../common/logger.ts';
import type { GlobalStateManager } from '../global-state.ts';
import { partitionKey, type Fetcher, type TopicPartition } from './ports.ts';

export class GlobalStoreUpdater {
  readonly #manager: GlobalStateManager;
  readonly #fetcher: Fetcher;
  readonly #log: Logger;
  readonly #partitions: TopicPartition[];
  readonly #positions = new Map<string, bigint>();
  #running = false;
  #loop: Promise<void> = Promise.resolve();

  constructor(manager: GlobalStateManager, fetcher: Fetcher, partitionCounts: ReadonlyMap<string, number>, log: Logger) {
    this.#manager = manager;
    this.#fetcher = fetcher;
    this.#log = log;
    this.#partitions = manager.topics.flatMap((topic) => Array.from({ length: partitionCounts.get(topic) ?? 0 }, (_, partition) => ({ topic, partition })));
  }

  /** Next offset to apply per "topic:partition". */
  get positions(): ReadonlyMap<string, bigint> {
    return this.#positions;
  }

  get empty(): boolean {
    return this.#partitions.length === 0;
  }

  /** Initializes the stores and loads them up to the current end of their topics. */
  async bootstrap(): Promise<number> {
    this.#manager.initialize();
    if (this.empty) return 0;
    const [starts, ends] = await Promise.all([this.#fetcher.beginningOffsets(this.#partitions), this.#fetcher.endOffsets(this.#partitions)]);
    for (const tp of this.#partitions) {
      const key = partitionKey(tp.topic, tp.partition);
      this.#positions.set(key, starts.get(key) ?? 0n);
    }
    let applied = 0;
    const behind = () => this.#partitions.filter((tp) => this.#positions.get(partitionKey(tp.topic, tp.partition))! < (ends.get(partitionKey(tp.topic, tp.partition)) ?? 0n));
    for (let pending = behind(); pending.length > 0; pending = behind()) applied += await this.#pollOnce(pending, 100);
    this.#log.info({ topics: this.#manager.topics, records: applied }, 'global stores bootstrapped');
    return applied;
  }

  /** Follows the topics until stop(); `onError` receives a failure that ends the loop. */
  start(onError: (error: unknown) => void): void {
    if (this.empty || this.#running) return;
    this.#running = true;
    this.#loop = (async () => {
      while (this.#running) {
        try {
          await this.#pollOnce(this.#partitions, 250);
        } catch (error) {
          this.#running = false;
          onError(error);
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  async #pollOnce(partitions: readonly TopicPartition[], maxWaitMs: number): Promise<number> {
    const results = await this.#fetcher.fetch(
      partitions.map((tp) => ({ ...tp, offset: this.#positions.get(partitionKey(tp.topic, tp.partition))! })),
      { maxWaitMs },
    );
    let applied = 0;
    for (const r of results) {
      const key = partitionKey(r.topic, r.partition);
      if (this.#positions.get(key) !== r.fetchOffset) continue;
      if (r.error === 'offset_out_of_range') {
        this.#positions.set(key, r.logStartOffset);
        continue;
      }
      if (r.error !== null) continue;
      for (const record of r.records) this.#manager.update(record);
      applied += r.records.length;
      this.#positions.set(key, r.nextOffset);
    }
    if (applied > 0) this.#manager.flush();
    return applied;
  }
}
