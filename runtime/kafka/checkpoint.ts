// A task's local checkpoint (Kafka Streams' `.checkpoint` file): for each persistent store, the changelog offset
// its local copy is complete up to. A task that finds one, with the stores' directories still there, restores
// only the changelog records after it instead of the whole log.
//
// When it may be trusted: under at_least_once it is written after every commit (the local state may run a little
// ahead of it, and replaying the tail over that converges, as puts of the same latest values). Under
// exactly_once_v2 the local state can hold writes of a transaction that a crash then aborts, so the file is written
// only by a clean close (or a clean hand-over) and deleted when the task starts: after a crash there is none.

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Topology } from '../../topology/topology.ts';
import type { StreamTask } from '../stream-task.ts';
import { changelogTopic } from './internal-topics.ts';
import { partitionKey, type Fetcher, type TopicPartition } from './ports.ts';

const FILE = '.checkpoint';
const VERSION = 1;

/** "topic:partition" of a store's changelog → the offset its local copy is complete up to (exclusive). */
export type CheckpointOffsets = ReadonlyMap<string, bigint>;

export const taskDirectory = (stateDir: string, applicationId: string, taskId: string): string => join(stateDir, applicationId, taskId);

interface CheckpointFile {
  readonly version: number;
  readonly stores: Record<string, { readonly topic: string; readonly partition: number; readonly offset: string }>;
}

/** The changelog partitions of a task's persistent, logged stores (the ones a checkpoint can cover). */
export function checkpointedPartitions(topology: Topology, applicationId: string, stores: readonly string[], partition: number): Array<TopicPartition & { store: string }> {
  const out: Array<TopicPartition & { store: string }> = [];
  for (const store of stores) {
    const builder = topology.stateStore(store);
    if (builder?.loggingEnabled !== true || !builder.persistent) continue;
    out.push({ store, topic: changelogTopic(applicationId, store), partition });
  }
  return out;
}

/**
 * The task directory's checkpoint, or null when there is none, it cannot be read, or a store it names has no
 * local directory left (a partial copy would be taken for a complete one).
 */
export function readCheckpoint(taskDir: string): Map<string, bigint> | null {
  const path = join(taskDir, FILE);
  if (!existsSync(path)) return null;
  try {
    const file = JSON.parse(readFileSync(path, 'utf8')) as CheckpointFile;
    if (file.version !== VERSION) return null;
    const offsets = new Map<string, bigint>();
    for (const [store, entry] of Object.entries(file.stores)) {
      if (!existsSync(join(taskDir, 'rocksdb', store))) return null;
      offsets.set(partitionKey(entry.topic, entry.partition), BigInt(entry.offset));
    }
    return offsets;
  } catch {
    return null;
  }
}

/** Writes the checkpoint atomically (a crash mid-write leaves the previous one or none, never half of one). */
export function writeCheckpoint(taskDir: string, entries: ReadonlyArray<TopicPartition & { store: string; offset: bigint }>): void {
  const file: CheckpointFile = {
    version: VERSION,
    stores: Object.fromEntries(entries.map((e) => [e.store, { topic: e.topic, partition: e.partition, offset: String(e.offset) }])),
  };
  const path = join(taskDir, FILE);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, JSON.stringify(file));
  renameSync(`${path}.tmp`, path);
}

export function deleteCheckpoint(taskDir: string): void {
  rmSync(join(taskDir, FILE), { force: true });
}

export interface CheckpointTask {
  readonly id: string;
  readonly partition: number;
  readonly stores: readonly string[];
}

export const checkpointTask = (task: StreamTask): CheckpointTask => ({ id: task.id, partition: task.partition, stores: [...task.stores.keys()] });

/**
 * Reads, validates and writes the checkpoints of one instance's tasks. Offsets come from the changelog's end as
 * the broker reports it right after a commit, when everything this task wrote has been acknowledged and the task
 * (its changelog partition's only writer) is paused.
 */
export class TaskCheckpointer {
  readonly #topology: Topology;
  readonly #applicationId: string;
  readonly #stateDir: string;
  readonly #fetcher: Fetcher;
  /** exactly_once_v2: only clean closes and hand-overs write, and a task's start deletes what it read. */
  readonly #onlyWhenClean: boolean;

  constructor(options: { topology: Topology; applicationId: string; stateDir: string; fetcher: Fetcher; onlyWhenClean: boolean }) {
    this.#topology = options.topology;
    this.#applicationId = options.applicationId;
    this.#stateDir = options.stateDir;
    this.#fetcher = options.fetcher;
    this.#onlyWhenClean = options.onlyWhenClean;
  }

  /** Tasks whose checkpoint is on this machine: the ones it would restore fastest (claimed when it joins owning none). */
  localTasks(): string[] {
    const dir = join(this.#stateDir, this.#applicationId);
    if (!existsSync(dir)) return [];
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, FILE)))
      .map((entry) => entry.name)
      .sort();
  }

  /** Whether commits (not only clean closes) write checkpoints. */
  get onCommit(): boolean {
    return !this.#onlyWhenClean;
  }

  /**
   * The usable checkpoint of each task about to be created: one that covers every persistent logged store with
   * an offset still in its changelog (between log start and end). Unusable ones are deleted, and under
   * exactly_once_v2 so are the usable ones once read.
   */
  async load(tasks: readonly CheckpointTask[]): Promise<Map<string, CheckpointOffsets>> {
    const found = new Map<string, { offsets: Map<string, bigint>; needed: TopicPartition[] }>();
    for (const task of tasks) {
      const dir = taskDirectory(this.#stateDir, this.#applicationId, task.id);
      const offsets = readCheckpoint(dir);
      if (this.#onlyWhenClean || offsets === null) deleteCheckpoint(dir);
      const needed = checkpointedPartitions(this.#topology, this.#applicationId, task.stores, task.partition);
      if (offsets !== null && needed.length > 0) found.set(task.id, { offsets, needed });
    }
    const all = [...found.values()].flatMap((f) => f.needed);
    if (all.length === 0) return new Map();
    const [starts, ends] = await Promise.all([this.#fetcher.beginningOffsets(all), this.#fetcher.endOffsets(all)]);
    const usable = new Map<string, CheckpointOffsets>();
    for (const [id, { offsets, needed }] of found) {
      const ok = needed.every((tp) => {
        const key = partitionKey(tp.topic, tp.partition);
        const offset = offsets.get(key);
        return offset !== undefined && offset >= (starts.get(key) ?? 0n) && offset <= (ends.get(key) ?? 0n);
      });
      if (ok) usable.set(id, offsets);
      else deleteCheckpoint(taskDirectory(this.#stateDir, this.#applicationId, id));
    }
    return usable;
  }

  /** Deletes a task's checkpoint: its local copy must not be trusted any more. */
  forget(taskId: string): void {
    deleteCheckpoint(taskDirectory(this.#stateDir, this.#applicationId, taskId));
  }

  /** Writes the checkpoint of each task, just committed and not processing. */
  async write(tasks: readonly CheckpointTask[]): Promise<void> {
    const entries = tasks.map((task) => ({ task, partitions: checkpointedPartitions(this.#topology, this.#applicationId, task.stores, task.partition) })).filter((e) => e.partitions.length > 0);
    if (entries.length === 0) return;
    const ends = await this.#fetcher.endOffsets(entries.flatMap((e) => e.partitions));
    for (const { task, partitions } of entries) {
      const offsets = partitions.map((tp) => ({ ...tp, offset: ends.get(partitionKey(tp.topic, tp.partition)) }));
      // No end offset read: better no checkpoint (a full restore) than a wrong one.
      if (offsets.some((o) => o.offset === undefined)) continue;
      writeCheckpoint(taskDirectory(this.#stateDir, this.#applicationId, task.id), offsets as Array<TopicPartition & { store: string; offset: bigint }>);
    }
  }
}
