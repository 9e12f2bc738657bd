// The processing loop of one instance (Kafka Streams' StreamThread): fetch for the owned partitions while
// the tasks process what is already buffered, then commit when the interval is up. It keeps going through a
// rebalance; the listener pauses it at a safe point (never inside a pass or a commit) only to close revoked
// tasks and add restored ones.

import { TaskMigratedError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import type { Clock } from '../../common/time.ts';
import type { StreamsConfig } from '../config.ts';
import type { Committer } from './committer.ts';
import type { KafkaRecordCollector } from './kafka-record-collector.ts';
import { partitionKey, type FetchedPartition, type Fetcher, type GroupGeneration } from './ports.ts';
import type { TaskManager } from './task-manager.ts';

export interface StreamThreadOptions {
  readonly tasks: TaskManager;
  readonly fetcher: Fetcher;
  readonly collector: KafkaRecordCollector;
  readonly committer: Committer;
  readonly config: StreamsConfig;
  readonly clock: Clock;
  readonly log: Logger;
  readonly fetchMaxWaitMs: number;
  readonly maxRecordsPerTaskPass: number;
  readonly generation: () => GroupGeneration | null;
  /** While true (a rebalance under way) the periodic commit waits: the group refuses commits as it completes one. */
  readonly commitDeferred?: () => boolean;
  /** After each successful commit, while the tasks wait (the checkpoints under at_least_once). */
  readonly afterCommit?: () => Promise<void>;
  /** The group refused a commit: the tasks were closed dirty; the owner must rejoin to get new ones. */
  readonly onTasksLost: () => void;
  readonly onFatal: (error: unknown) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class StreamThread {
  readonly #o: StreamThreadOptions;
  #paused = true;
  /** Processing held by the user (KafkaStreamsApp.pause()): fetching and commits go on, records wait. */
  #held = false;
  #stopped = false;
  #atSafePoint = true;
  #wake: (() => void) | null = null;
  readonly #safePointWaiters: Array<() => void> = [];
  #loop: Promise<void> = Promise.resolve();
  #lastCommit = 0;
  #processed = 0;

  constructor(options: StreamThreadOptions) {
    this.#o = options;
  }

  /** Records processed since start. */
  get processed(): number {
    return this.#processed;
  }

  start(): void {
    this.#lastCommit = this.#o.clock.now();
    this.#loop = this.#run();
  }

  /** Stops processing records until release(); the loop keeps fetching (up to the buffer limits) and committing. */
  hold(): void {
    this.#held = true;
  }

  release(): void {
    this.#held = false;
  }

  get held(): boolean {
    return this.#held;
  }

  /** Resolves once the loop waits outside any pass, fetch or commit; it stays there until resume(). */
  pause(): Promise<void> {
    this.#paused = true;
    if (this.#atSafePoint) return Promise.resolve();
    return new Promise((r) => this.#safePointWaiters.push(r));
  }

  resume(): void {
    if (this.#stopped) return;
    this.#paused = false;
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#paused = true;
    this.#wake?.();
    await this.#loop;
  }

  /** Commits every task now. Only while paused (rebalance, close) or from the loop itself. */
  async commit(): Promise<void> {
    const { tasks, committer, collector, generation, log } = this.#o;
    const gen = generation();
    this.#lastCommit = this.#o.clock.now();
    if (gen === null || tasks.size === 0) return;
    try {
      const started = performance.now();
      const partitions = await committer.commit(tasks, collector, gen);
      log.debug({ partitions, ms: Math.round(performance.now() - started) }, 'committed');
      // A missed checkpoint costs a longer restore, never correctness: the previous one stays valid.
      await this.#o.afterCommit?.().catch((error: unknown) => log.warn({ err: String(error) }, 'checkpoint failed'));
    } catch (error) {
      if (!(error instanceof TaskMigratedError)) throw error;
      log.warn({ err: error.message }, 'commit refused: tasks migrated, closing them and rejoining');
      await this.dropTasks();
      this.#o.onTasksLost();
    }
  }

  /** Closes every task without committing and forgets its uncommitted output (a dirty close). */
  async dropTasks(): Promise<void> {
    this.#o.tasks.closeAll();
    await this.#o.committer.abandon(this.#o.collector);
    this.#paused = true;
  }

  /**
   * Partitions the broker called out of range. Kafka Streams' default auto.offset.reset (earliest) applies only to
   * an offset below the log start, looked up with ListOffsets (an error response's log start is -1). Any other
   * offset is fetched again after a pause: under exactly-once, jumping back to the start would process records
   * twice, and an offset above the end read here may only be above the last stable offset.
   */
  async #resetOutOfRange(resets: readonly FetchedPartition[]): Promise<void> {
    const { fetcher, tasks, log } = this.#o;
    const [starts, ends] = await Promise.all([fetcher.beginningOffsets(resets), fetcher.endOffsets(resets)]);
    let retry = false;
    for (const reset of resets) {
      const key = partitionKey(reset.topic, reset.partition);
      const start = starts.get(key);
      const at = { topic: reset.topic, partition: reset.partition, offset: String(reset.fetchOffset), logStart: String(start), logEnd: String(ends.get(key)) };
      if (start !== undefined && reset.fetchOffset < start) {
        log.warn(at, 'offset out of range: resetting to the log start');
        tasks.seek(reset.topic, reset.partition, start);
      } else {
        log.warn(at, 'offset out of range, yet not below the log start: fetching it again');
        retry = true;
      }
    }
    if (retry) await sleep(100);
  }

  async #run(): Promise<void> {
    const { tasks, fetcher, collector, config, clock } = this.#o;
    try {
      while (!this.#stopped) {
        if (this.#paused) {
          this.#atSafePoint = true;
          for (const w of this.#safePointWaiters.splice(0)) w();
          await new Promise<void>((r) => (this.#wake = r));
          this.#wake = null;
          continue;
        }
        this.#atSafePoint = false;
        const positions = tasks.fetchPositions();
        const maxWaitMs = tasks.buffered > 0 && !this.#held ? 0 : this.#o.fetchMaxWaitMs;
        // The fetch goes out first; the synchronous pass below runs while it travels.
        const fetching = positions.length > 0 ? fetcher.fetch(positions, { maxWaitMs }) : sleep(maxWaitMs).then(() => []);
        if (!this.#held) this.#processed += tasks.process(clock.now(), this.#o.maxRecordsPerTaskPass);
        if (collector.failure !== null) throw collector.failure;
        collector.shipIfDue(tasks.buffered === 0);
        const results = await fetching;
        const resets = tasks.addFetched(results);
        if (resets.length > 0) await this.#resetOutOfRange(resets);
        if ((clock.now() - this.#lastCommit >= config.commitIntervalMs || tasks.commitRequested) && this.#o.commitDeferred?.() !== true) await this.commit();
      }
    } catch (error) {
      this.#stopped = true;
      this.#o.onFatal(error);
    } finally {
      this.#atSafePoint = true;
      for (const w of this.#safePointWaiters.splice(0)) w();
    }
  }
}
