// Standby replicas (Kafka Streams' StandbyTask): copies of other members' stateful tasks whose stores this
// instance keeps current by reading their changelogs, below the change-logging layer, never processing input.
// When a task this instance stands by for becomes its own, only the changelog records after the copy's position
// are restored. A standby given up (or kept at close) leaves a checkpoint of its persistent stores, so its state
// on disk stays claimable. Changelogs are read like restoration reads them: read_committed under exactly_once_v2,
// so a standby never holds a write an aborted transaction made.

import type { Logger } from '../../common/logger.ts';
import type { ChangelogRecord, StateStore } from '../../state/api/state-store.ts';
import type { Topology } from '../../topology/topology.ts';
import { checkpointedPartitions, type TaskCheckpointer, taskDirectory, writeCheckpoint } from './checkpoint.ts';
import type { SubtopologyLayout } from './internal-topics.ts';
import { changelogTopic } from './internal-topics.ts';
import { partitionKey, type Fetcher, type TopicPartition } from './ports.ts';
import type { TaskManager, TaskRun } from './task-manager.ts';

type Restorable = StateStore & { restoreBatch(records: ReadonlyArray<ChangelogRecord>): void };

const isRestorable = (store: StateStore): store is Restorable => typeof (store as Partial<Restorable>).restoreBatch === 'function';

interface Standby {
  readonly run: TaskRun;
  readonly layout: SubtopologyLayout;
  /** Changelog "topic:partition" → the store it fills and the next offset to read. */
  readonly changelogs: Map<string, { readonly tp: TopicPartition; readonly store: Restorable; offset: bigint }>;
}

export interface StandbyTasksOptions {
  readonly topology: Topology;
  readonly applicationId: string;
  readonly stateDir: string;
  /** Creates (not activates) task objects, their stores and state directories. */
  readonly tasks: TaskManager;
  /** The standbys' own fetcher: its long polls never queue behind, or hold up, another reader's requests. */
  readonly fetcher: Fetcher;
  readonly checkpointer: TaskCheckpointer;
  readonly log: Logger;
  /** How long one poll of the changelogs may wait for new records. */
  readonly pollMaxWaitMs?: number;
}

export class StandbyTasks {
  readonly #o: StandbyTasksOptions;
  readonly #standbys = new Map<string, Standby>();
  #running = false;
  #loop: Promise<void> = Promise.resolve();
  #wake: (() => void) | null = null;
  /** Bumped whenever the set of standbys changes: a poll in flight for an older set is discarded. */
  #epoch = 0;
  #applied = 0;

  constructor(options: StandbyTasksOptions) {
    this.#o = options;
  }

  /** The task ids kept as standbys now. */
  ids(): string[] {
    return [...this.#standbys.keys()].sort();
  }

  /** Changelog records applied since start. */
  get applied(): number {
    return this.#applied;
  }

  /** The next changelog offset per "topic:partition" of a standby (for tests and diagnostics). */
  positions(id: string): Map<string, bigint> {
    const standby = this.#standbys.get(id);
    return new Map([...(standby?.changelogs ?? [])].map(([key, c]) => [key, c.offset]));
  }

  /** Keeps exactly the standbys of `wanted` (task id → layout and partition): new ones start from their checkpoint or the log start. */
  async update(wanted: ReadonlyMap<string, { subtopology: SubtopologyLayout; partition: number }>): Promise<void> {
    const dropped = [...this.#standbys.keys()].filter((id) => !wanted.has(id));
    for (const id of dropped) this.#release(id);
    const fresh = [...wanted].filter(([id]) => !this.#standbys.has(id));
    if (fresh.length === 0) return;
    const { topology, applicationId, checkpointer, tasks, fetcher, log } = this.#o;
    const checkpoints = await checkpointer
      .load(fresh.map(([id, { subtopology, partition }]) => ({ id, partition, stores: subtopology.subtopology.stores })))
      .catch((error: unknown) => {
        log.warn({ err: String(error) }, 'reading standby checkpoints failed: starting them from the log start');
        return new Map<string, never>();
      });
    const created: Standby[] = [];
    for (const [id, { subtopology, partition }] of fresh) {
      const checkpoint = checkpoints.get(id);
      const run = tasks.create(id, subtopology, partition, checkpoint !== undefined);
      run.task.initialize();
      const changelogs: Standby['changelogs'] = new Map();
      for (const [name, store] of run.task.stores) {
        if (topology.stateStore(name)?.loggingEnabled !== true || !isRestorable(store)) continue;
        const tp = { topic: changelogTopic(applicationId, name), partition };
        const key = partitionKey(tp.topic, tp.partition);
        changelogs.set(key, { tp, store, offset: (store.persistent ? checkpoint?.get(key) : undefined) ?? -1n });
      }
      created.push({ run, layout: subtopology, changelogs });
    }
    const unknown = created.flatMap((s) => [...s.changelogs.values()].filter((c) => c.offset < 0n).map((c) => c.tp));
    const starts = await fetcher.beginningOffsets(unknown);
    for (const standby of created) {
      for (const [key, c] of standby.changelogs) if (c.offset < 0n) c.offset = starts.get(key) ?? 0n;
      this.#standbys.set(standby.run.task.id, standby);
    }
    this.#epoch++;
    log.info({ standbys: this.ids(), created: created.map((s) => s.run.task.id), fromCheckpoint: [...checkpoints.keys()] }, 'standby tasks updated');
    this.#wake?.();
  }

  /**
   * Hands a standby over to become active: it stops following its changelogs and is returned with its stores'
   * positions (the offsets from which its restore goes on), or undefined when it is not a standby here.
   */
  take(id: string): { run: TaskRun; positions: Map<string, bigint> } | undefined {
    const standby = this.#standbys.get(id);
    if (standby === undefined) return undefined;
    this.#standbys.delete(id);
    this.#epoch++;
    return { run: standby.run, positions: new Map([...standby.changelogs].map(([key, c]) => [key, c.offset])) };
  }

  start(onError: (error: unknown) => void): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = (async () => {
      while (this.#running) {
        if (this.#standbys.size === 0) {
          await new Promise<void>((r) => (this.#wake = r));
          this.#wake = null;
          continue;
        }
        try {
          await this.#pollOnce();
        } catch (error) {
          this.#running = false;
          onError(error);
        }
      }
    })();
  }

  /** Stops following the changelogs and closes every standby, leaving a checkpoint of each. */
  async close(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    for (const id of [...this.#standbys.keys()]) this.#release(id);
  }

  /** Closes a standby; its persistent stores keep a checkpoint at the position they reached. */
  #release(id: string): void {
    const standby = this.#standbys.get(id);
    if (standby === undefined) return;
    this.#standbys.delete(id);
    this.#epoch++;
    const { topology, applicationId, stateDir, log } = this.#o;
    const task = standby.run.task;
    try {
      standby.run.task.close();
      const needed = checkpointedPartitions(topology, applicationId, [...task.stores.keys()], task.partition);
      const entries = needed.map((tp) => ({ ...tp, offset: standby.changelogs.get(partitionKey(tp.topic, tp.partition))?.offset }));
      if (entries.length > 0 && entries.every((e) => e.offset !== undefined)) {
        writeCheckpoint(taskDirectory(stateDir, applicationId, task.id), entries as Array<TopicPartition & { store: string; offset: bigint }>);
      }
    } catch (error) {
      log.warn({ task: id, err: String(error) }, 'closing a standby failed');
    }
  }

  async #pollOnce(): Promise<void> {
    const epoch = this.#epoch;
    const positions = [...this.#standbys.values()].flatMap((s) => [...s.changelogs.values()].map((c) => ({ ...c.tp, offset: c.offset })));
    const results = await this.#o.fetcher.fetch(positions, { maxWaitMs: this.#o.pollMaxWaitMs ?? 250 });
    // The set changed while the fetch travelled (a standby taken over, released or added): fetch again.
    if (epoch !== this.#epoch) return;
    const byKey = new Map<string, { standby: Standby; c: Standby['changelogs'] extends Map<string, infer C> ? C : never }>();
    for (const standby of this.#standbys.values()) for (const [key, c] of standby.changelogs) byKey.set(key, { standby, c });
    const restart = new Set<Standby>();
    for (const r of results) {
      const found = byKey.get(partitionKey(r.topic, r.partition));
      if (found === undefined || found.c.offset !== r.fetchOffset) continue;
      const c = found.c;
      if (r.error === 'offset_out_of_range') {
        // Retention or compaction removed records the copy had not read: replaying the rest over it could bring back
        // deleted keys, so it starts over from an empty directory.
        this.#o.log.warn({ topic: r.topic, partition: r.partition, from: String(r.fetchOffset), to: String(r.logStartOffset) }, 'standby changelog offset out of range: rebuilding the copy');
        restart.add(found.standby);
        continue;
      }
      if (r.error !== null) continue;
      const batch: ChangelogRecord[] = [];
      for (const rec of r.records) if (rec.key !== null) batch.push({ key: rec.key, value: rec.value, timestamp: rec.timestamp });
      if (batch.length > 0) c.store.restoreBatch(batch);
      this.#applied += batch.length;
      if (r.nextOffset > c.offset) c.offset = r.nextOffset;
    }
    if (restart.size === 0) return;
    const again = new Map<string, { subtopology: SubtopologyLayout; partition: number }>();
    for (const standby of restart) {
      const id = standby.run.task.id;
      this.#standbys.delete(id);
      standby.run.task.close();
      this.#o.checkpointer.forget(id);
      again.set(id, { subtopology: standby.layout, partition: standby.run.task.partition });
    }
    this.#epoch++;
    await this.update(new Map([...this.#standbys].map(([id, s]) => [id, { subtopology: s.layout, partition: s.run.task.partition }] as const).concat([...again])));
  }
}
