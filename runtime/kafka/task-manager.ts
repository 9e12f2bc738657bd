// The active tasks of one instance: which exist for the current assignment, where each input partition is
// read up to, what is buffered per task (a PartitionGroup, so each task consumes in timestamp order), and
// the synchronous processing pass. Fetching, restoring and committing are the caller's; this never awaits.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { StreamsMetrics } from '../../common/metrics.ts';
import type { Clock } from '../../common/time.ts';
import type { StateStore } from '../../state/api/state-store.ts';
import type { Topology } from '../../topology/topology.ts';
import type { StreamsConfig } from '../config.ts';
import { PartitionGroup } from '../partition-group.ts';
import type { RecordCollector } from '../ports.ts';
import { StreamTask } from '../stream-task.ts';
import type { SubtopologyLayout } from './internal-topics.ts';
import { partitionKey, type FetchedPartition, type PartitionOffset, type TopicPartition } from './ports.ts';

export interface TaskRun {
  readonly task: StreamTask;
  readonly subtopology: number;
  readonly group: PartitionGroup;
  /** Next offset to fetch per "topic:partition". */
  readonly positions: Map<string, bigint>;
  /** Readable end per "topic:partition" from the last fetch (-1 before the first). */
  readonly ends: Map<string, bigint>;
}

export interface TaskManagerOptions {
  readonly topology: Topology;
  readonly config: StreamsConfig;
  readonly layouts: readonly SubtopologyLayout[];
  readonly collector: RecordCollector;
  readonly clock: Clock;
  readonly metrics: StreamsMetrics;
  readonly globalStores: ReadonlyMap<string, StateStore>;
  readonly resolveTopic: (topic: string) => string;
  /** Records buffered per partition before fetching it pauses. */
  readonly maxBufferedPerPartition?: number;
}

export class TaskManager {
  readonly #options: TaskManagerOptions;
  readonly #runs = new Map<string, TaskRun>();
  readonly #byPartition = new Map<string, TaskRun>();
  readonly #maxBuffered: number;
  #prepared: PartitionOffset[] = [];

  constructor(options: TaskManagerOptions) {
    this.#options = options;
    this.#maxBuffered = options.maxBufferedPerPartition ?? 1000;
  }

  get runs(): TaskRun[] {
    return [...this.#runs.values()];
  }

  get size(): number {
    return this.#runs.size;
  }

  taskIds(): string[] {
    return [...this.#runs.keys()].sort();
  }

  /** The task ids an assignment of partitions implies. */
  tasksFor(partitions: readonly TopicPartition[]): Map<string, { subtopology: SubtopologyLayout; partition: number }> {
    const tasks = new Map<string, { subtopology: SubtopologyLayout; partition: number }>();
    for (const tp of partitions) {
      const layout = this.#options.layouts.find((l) => l.sourceTopics.includes(tp.topic));
      if (layout === undefined) continue;
      tasks.set(`${layout.subtopology.id}_${tp.partition}`, { subtopology: layout, partition: tp.partition });
    }
    return tasks;
  }

  /** The tasks named by ids ("<sub-topology>_<partition>"), for those of a known sub-topology. */
  tasksNamed(ids: readonly string[]): Map<string, { subtopology: SubtopologyLayout; partition: number }> {
    const tasks = new Map<string, { subtopology: SubtopologyLayout; partition: number }>();
    for (const id of ids) {
      const [sub, partition] = id.split('_').map(Number);
      const layout = this.#options.layouts.find((l) => l.subtopology.id === sub);
      if (layout !== undefined && Number.isInteger(partition)) tasks.set(id, { subtopology: layout, partition });
    }
    return tasks;
  }

  /**
   * Creates a task, not yet initialized. Unless a usable checkpoint vouches for it (`keepLocalState`), its
   * old local state directory is removed first: the changelog is then the only source of truth, and
   * replaying it whole over stale local state could resurrect keys deleted and compacted away.
   */
  create(id: string, layout: SubtopologyLayout, partition: number, keepLocalState = false): TaskRun {
    const { config } = this.#options;
    if (!keepLocalState) rmSync(join(config.stateDir, config.applicationId, id), { recursive: true, force: true });
    const task = new StreamTask({
      topology: this.#options.topology,
      subtopology: layout.subtopology,
      partition,
      config,
      collector: this.#options.collector,
      clock: this.#options.clock,
      metrics: this.#options.metrics,
      globalStores: this.#options.globalStores,
      resolveTopic: this.#options.resolveTopic,
      taskId: id,
    });
    const run: TaskRun = { task, subtopology: layout.subtopology.id, group: new PartitionGroup(), positions: new Map(), ends: new Map() };
    for (const topic of task.inputTopics) run.group.addPartition(topic, partition);
    return run;
  }

  /** Makes a restored task active from the given start offsets. */
  activate(run: TaskRun, starts: ReadonlyMap<string, bigint>): void {
    for (const { topic, partition } of run.group.partitions()) {
      const key = partitionKey(topic, partition);
      run.positions.set(key, starts.get(key) ?? 0n);
      run.ends.set(key, -1n);
      this.#byPartition.set(key, run);
    }
    this.#runs.set(run.task.id, run);
  }

  /** Closes a task. Its buffered records are dropped; a commit, if wanted, happened before. */
  close(id: string): void {
    const run = this.#runs.get(id);
    if (run === undefined) return;
    this.#runs.delete(id);
    for (const { topic, partition } of run.group.partitions()) this.#byPartition.delete(partitionKey(topic, partition));
    run.task.close();
  }

  closeAll(): void {
    for (const id of [...this.#runs.keys()]) this.close(id);
  }

  /** Partitions worth fetching now: owned, with room in their buffer. */
  fetchPositions(): PartitionOffset[] {
    const out: PartitionOffset[] = [];
    for (const run of this.#runs.values()) {
      for (const { topic, partition } of run.group.partitions()) {
        if (run.group.bufferedFor(topic, partition) >= this.#maxBuffered) continue;
        out.push({ topic, partition, offset: run.positions.get(partitionKey(topic, partition))! });
      }
    }
    return out;
  }

  /** Buffers fetched records; returns the partitions that need an offset reset (out of range). */
  addFetched(results: readonly FetchedPartition[]): FetchedPartition[] {
    const outOfRange: FetchedPartition[] = [];
    for (const r of results) {
      const key = partitionKey(r.topic, r.partition);
      const run = this.#byPartition.get(key);
      // The partition may have been revoked, or re-positioned, while the fetch was in flight.
      if (run === undefined || run.positions.get(key) !== r.fetchOffset) continue;
      if (r.error === 'offset_out_of_range') {
        outOfRange.push(r);
        continue;
      }
      if (r.error !== null) continue;
      if (r.endOffset >= 0n) run.ends.set(key, r.endOffset);
      if (r.records.length > 0) run.group.add(r.records);
      if (r.nextOffset > run.positions.get(key)!) run.positions.set(key, r.nextOffset);
    }
    return outOfRange;
  }

  seek(topic: string, partition: number, offset: bigint): void {
    const key = partitionKey(topic, partition);
    this.#byPartition.get(key)?.positions.set(key, offset);
  }

  /** Buffered records across all tasks. */
  get buffered(): number {
    let n = 0;
    for (const run of this.#runs.values()) n += run.group.buffered;
    return n;
  }

  /**
   * One synchronous pass: each task processes what is ready, in timestamp order, up to `maxPerTask`,
   * firing stream-time punctuators as it goes, then wall-clock punctuators. Returns records processed.
   */
  process(now: number, maxPerTask: number): number {
    const maxIdle = this.#options.config.maxTaskIdleMs;
    let processed = 0;
    for (const run of this.#runs.values()) {
      const caughtUp = (topic: string, partition: number) => {
        const key = partitionKey(topic, partition);
        const end = run.ends.get(key)!;
        return end >= 0n && run.positions.get(key)! >= end;
      };
      let n = 0;
      while (n < maxPerTask && run.group.ready(now, maxIdle, caughtUp)) {
        run.task.process(run.group.next()!);
        run.task.maybePunctuateStreamTime();
        n++;
      }
      run.task.maybePunctuateSystemTime();
      processed += n;
    }
    return processed;
  }

  /** Whether a processor asked for a commit (ProcessorContext.commit()). */
  get commitRequested(): boolean {
    for (const run of this.#runs.values()) if (run.task.context.commitRequested) return true;
    return false;
  }

  /** Step 1 of a commit for every task: flush the stores, collect the offsets to commit. */
  prepareCommit(): PartitionOffset[] {
    this.#prepared = this.runs.flatMap((run) => run.task.prepareCommit());
    return this.#prepared;
  }

  /** The offsets the last prepareCommit collected: once that commit succeeded, the committed positions. */
  get lastPrepared(): readonly PartitionOffset[] {
    return this.#prepared;
  }
}
