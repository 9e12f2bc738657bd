// The rebalance listener the client lacks. Before each JoinGroup (the eager protocol's revocation point)
// the loop is paused at a safe point and every task committed while its partitions are still ours; once
// the group settles, tasks no longer assigned are closed (clean, already committed), new ones are created,
// restored from their changelogs and started from the committed offsets, and the loop resumes.

import type { Logger } from '../../common/logger.ts';
import type { Topology } from '../../topology/topology.ts';
import { checkpointTask, type TaskCheckpointer } from './checkpoint.ts';
import { restoreStores } from './restore.ts';
import { partitionKey, type Fetcher, type GroupCallbacks, type GroupGeneration, type GroupMembership, type TopicPartition } from './ports.ts';
import type { StreamThread } from './stream-thread.ts';
import { encodeSubscription } from './task-assignor.ts';
import type { TaskManager, TaskRun } from './task-manager.ts';

export interface RebalanceListenerOptions {
  readonly applicationId: string;
  readonly topology: Topology;
  readonly tasks: TaskManager;
  readonly thread: StreamThread;
  readonly member: GroupMembership;
  readonly restoreFetcher: Fetcher;
  readonly checkpointer: TaskCheckpointer;
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
  /** A JoinGroup is pending: a restore in progress should give up rather than delay it. */
  #joinPending = false;
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

  async beforeJoin(): Promise<Buffer> {
    this.#joinPending = true;
    this.#o.rebalancing();
    await this.#o.thread.pause();
    await this.#enqueue(async () => {
      if (this.#closed) return;
      try {
        await this.#o.thread.commit();
      } catch (error) {
        // Failing the join would leave the group waiting for us; rejoin without the tasks instead.
        this.#o.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'commit before rebalance failed: closing tasks dirty');
        await this.#o.thread.dropTasks();
      }
    });
    // Besides the tasks it runs, a member names those whose state it kept on disk: where balance allows and no
    // running owner claims them, the assignor gives them back here, where only their changelog tail is restored.
    return encodeSubscription(this.#o.tasks.taskIds(), this.#o.checkpointer.localTasks());
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
    const { tasks, log } = this.#o;
    const wanted = tasks.tasksFor(partitions);
    const kept = tasks.taskIds().filter((id) => wanted.has(id));
    const revoked = tasks.runs.filter((run) => !wanted.has(run.task.id));
    // Committed before the join: their local state is complete, worth a checkpoint should they come back.
    await this.#o.checkpointer.write(revoked.map((run) => checkpointTask(run.task))).catch((error: unknown) => log.warn({ err: String(error) }, 'checkpoint of revoked tasks failed'));
    for (const run of revoked) tasks.close(run.task.id);
    const toCreate = [...wanted].filter(([id]) => !kept.includes(id));
    const checkpoints = await this.#o.checkpointer
      .load(toCreate.map(([id, { subtopology, partition }]) => ({ id, partition, stores: subtopology.subtopology.stores })))
      .catch((error: unknown) => {
        log.warn({ err: String(error) }, 'reading checkpoints failed: restoring in full');
        return new Map<string, never>();
      });
    const created: TaskRun[] = [];
    for (const [id, { subtopology, partition }] of toCreate) {
      const run = tasks.create(id, subtopology, partition, checkpoints.has(id));
      run.task.initialize();
      created.push(run);
    }
    log.info({ generation: this.#generation?.generationId, kept, created: created.map((r) => r.task.id), checkpointed: [...checkpoints.keys()] }, 'assignment received');
    const restored = await restoreStores(created, this.#o.topology, this.#o.applicationId, this.#o.restoreFetcher, log, () => this.#joinPending || this.#closed, checkpoints);
    if (!restored.complete) {
      // Another rebalance began; these tasks may not stay ours. They are rebuilt if assigned again.
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
    if (this.#joinPending || this.#closed) {
      for (const run of created) run.task.close();
      return;
    }
    for (const run of created) tasks.activate(run, starts);
    this.#o.running();
    this.#o.thread.resume();
  }

  /** The partitions of the last assignment, for diagnostics. */
  get assignment(): readonly TopicPartition[] {
    return this.#assignment;
  }
}
