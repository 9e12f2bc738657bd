// The rebalance listener the client lacks, cooperative like Kafka Streams' (KIP-429). Joining does not stop
// anything: the loop keeps processing the tasks it has (commits wait until the group settles, since the group
// refuses them while it completes a rebalance), and the subscription names them. Once the new assignment
// arrives, only what changed is touched: tasks revoked are committed, checkpointed and closed at a safe point,
// after which this member rejoins so their new owners get them in the next generation (the assignor gives a
// moving task to nobody until its old owner let go); new tasks are restored, from a standby copy or checkpoint
// where there is one, while the kept tasks go on, and are started from the committed offsets; standbys follow.

import type { Logger } from '../../common/logger.ts';
import type { Topology } from '../../topology/topology.ts';
import { type CheckpointOffsets, checkpointTask, type TaskCheckpointer } from './checkpoint.ts';
import { restoreStores } from './restore.ts';
import { partitionKey, type Fetcher, type GroupCallbacks, type GroupGeneration, type GroupMembership, type TopicPartition } from './ports.ts';
import type { StandbyTasks } from './standby-tasks.ts';
import type { StreamThread } from './stream-thread.ts';
import { decodeAssignment, encodeSubscription } from './task-assignor.ts';
import type { TaskManager, TaskRun } from './task-manager.ts';

export interface RebalanceListenerOptions {
  readonly applicationId: string;
  readonly topology: Topology;
  readonly tasks: TaskManager;
  readonly thread: StreamThread;
  readonly member: GroupMembership;
  readonly restoreFetcher: Fetcher;
  readonly checkpointer: TaskCheckpointer;
  readonly standbys: StandbyTasks;
  readonly log: Logger;
  /** Where source partitions without a committed offset start; internal topics always start at the beginning. */
  readonly autoOffsetReset: 'earliest' | 'latest';
  readonly rebalancing: () => void;
  readonly running: () => void;
  readonly onFatal: (error: unknown) => void;
}

export class RebalanceListener implements GroupCallbacks {
  readonly #o: RebalanceListenerOptions;
  #generation: GroupGeneration | null = null;
  #assignment: TopicPartition[] = [];
  /** Rebalance steps run one after another, never interleaved. */
  #serial: Promise<void> = Promise.resolve();
  /** A JoinGroup is pending: commits wait for the new generation. */
  #joinPending = false;
  /** Tasks being restored: claimed in the subscription, since they will run here unless revoked. */
  readonly #restoring = new Set<string>();
  #restoredRecords = 0;
  #closed = false;

  constructor(options: RebalanceListenerOptions) {
    this.#o = options;
  }

  /** The generation the current tasks belong to (null before the first assignment). */
  get generation(): GroupGeneration | null {
    return this.#generation;
  }

  get joinPending(): boolean {
    return this.#joinPending;
  }

  /** Changelog records applied to restore new tasks since start (standbys' own reading not included). */
  get restoredRecords(): number {
    return this.#restoredRecords;
  }

  async beforeJoin(): Promise<Buffer> {
    this.#joinPending = true;
    this.#o.rebalancing();
    // Besides the tasks it runs (and restores), a member names its standbys and the tasks whose state it kept on
    // disk: where balance allows and no running owner claims them, the assignor gives them here, where only
    // their changelog tail is restored.
    const running = [...new Set([...this.#o.tasks.taskIds(), ...this.#restoring])].sort();
    return encodeSubscription(running, this.#o.checkpointer.localTasks(), this.#o.standbys.ids());
  }

  assigned(partitions: TopicPartition[], generation: GroupGeneration): void {
    this.#generation = generation;
    this.#assignment = partitions;
    this.#joinPending = false;
    void this.#enqueue(() => this.#applyAssignment(partitions)).catch(this.#o.onFatal);
  }

  failed(error: Error): void {
    this.#o.onFatal(error);
  }

  /** After the tasks were lost outside a rebalance: ask the group for a fresh assignment. */
  rejoin(): void {
    if (this.#joinPending || this.#closed) return;
    this.#o.member.rejoin().catch(this.#o.onFatal);
  }

  /** Waits for pending rebalance work, then refuses more. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#serial.catch(() => {});
  }

  #enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.#serial.then(step);
    this.#serial = next.catch(() => {});
    return next;
  }

  async #applyAssignment(partitions: TopicPartition[]): Promise<void> {
    if (this.#closed) return;
    const { tasks, thread, log } = this.#o;
    const { active, standby } = decodeAssignment(partitions);
    const wanted = tasks.tasksFor(active);
    const revoked = tasks.runs.filter((run) => !wanted.has(run.task.id));
    if (revoked.length > 0) {
      // Committed under the new generation, which gives these tasks to nobody: no one else can be running them.
      await thread.pause();
      const before = tasks.size;
      await thread.commit();
      if (tasks.size < before) {
        // The commit was refused and every task dropped; the rejoin already asked for holds the way forward.
        return;
      }
      // Their local state is complete: worth a checkpoint should they come back, or stay here as standbys.
      await this.#o.checkpointer.write(revoked.map((run) => checkpointTask(run.task))).catch((error: unknown) => log.warn({ err: String(error) }, 'checkpoint of revoked tasks failed'));
      for (const run of revoked) tasks.close(run.task.id);
      thread.resume();
      log.info({ generation: this.#generation?.generationId, revoked: revoked.map((r) => r.task.id) }, 'tasks revoked: rejoining so their new owners get them');
      this.#o.member.rejoin().catch(this.#o.onFatal);
    }
    const toCreate = [...wanted].filter(([id]) => !tasks.taskIds().includes(id));
    // A standby becoming active stops following its changelogs first; the others are (re)placed afterwards.
    const promoted = new Map<string, { run: TaskRun; positions: Map<string, bigint> }>();
    for (const [id] of toCreate) {
      const taken = this.#o.standbys.take(id);
      if (taken !== undefined) promoted.set(id, taken);
    }
    await this.#o.standbys.update(tasks.tasksNamed(standby));
    const fresh = toCreate.filter(([id]) => !promoted.has(id));
    const checkpoints: Map<string, CheckpointOffsets> = await this.#o.checkpointer
      .load(fresh.map(([id, { subtopology, partition }]) => ({ id, partition, stores: subtopology.subtopology.stores })))
      .catch((error: unknown) => {
        log.warn({ err: String(error) }, 'reading checkpoints failed: restoring in full');
        return new Map<string, CheckpointOffsets>();
      });
    const created: TaskRun[] = [];
    for (const [id, { subtopology, partition }] of fresh) {
      const run = tasks.create(id, subtopology, partition, checkpoints.has(id));
      run.task.initialize();
      created.push(run);
    }
    for (const [id, { run, positions }] of promoted) {
      created.push(run);
      checkpoints.set(id, positions);
    }
    for (const run of created) this.#restoring.add(run.task.id);
    log.info({ generation: this.#generation?.generationId, created: created.map((r) => r.task.id), promoted: [...promoted.keys()], checkpointed: [...checkpoints.keys()].filter((id) => !promoted.has(id)) }, 'assignment received');
    try {
      const restored = await restoreStores(created, this.#o.topology, this.#o.applicationId, this.#o.restoreFetcher, log, () => this.#closed, checkpoints, new Set(promoted.keys()));
      for (const n of restored.records.values()) this.#restoredRecords += n;
      if (!restored.complete) {
        for (const run of created) run.task.close();
        return;
      }
      const inputs = created.flatMap((run) => run.group.partitions());
      const starts = await this.#o.member.committed(inputs);
      const missing = inputs.filter((tp) => !starts.has(partitionKey(tp.topic, tp.partition)));
      // No committed offset: the reset policy for source topics; an internal topic's records were all written
      // for this application, so it always starts at the beginning.
      const internalPrefix = `${this.#o.applicationId}-`;
      const fromEnd = this.#o.autoOffsetReset === 'latest' ? missing.filter((tp) => !tp.topic.startsWith(internalPrefix)) : [];
      const fromStart = missing.filter((tp) => !fromEnd.includes(tp));
      const [beginnings, endings] = await Promise.all([this.#o.member.beginningOffsets(fromStart), this.#o.member.endOffsets(fromEnd)]);
      for (const [key, offset] of [...beginnings, ...endings]) starts.set(key, offset);
      if (this.#closed) {
        for (const run of created) run.task.close();
        return;
      }
      if (created.length > 0) {
        await thread.pause();
        for (const run of created) tasks.activate(run, starts);
      }
    } finally {
      this.#restoring.clear();
    }
    if (!this.#joinPending) this.#o.running();
    thread.resume();
  }

  /** The partitions of the last assignment, for diagnostics. */
  get assignment(): readonly TopicPartition[] {
    return this.#assignment;
  }
}
