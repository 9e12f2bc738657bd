// StreamsApp on a live Kafka cluster (Kafka Streams' KafkaStreams): one instance of an application, the
// application id being its consumer group. start() creates the internal topics, loads the global stores,
// joins the group and lets the rebalance listener create, restore and start the assigned tasks.

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ConfigError, StreamsError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import { StreamsMetrics } from '../../common/metrics.ts';
import { type Clock, systemClock } from '../../common/time.ts';
import type { ReadOnlyKeyValueStore } from '../../state/api/key-value-store.ts';
import type { StateStore } from '../../state/api/state-store.ts';
import type { Topology } from '../../topology/topology.ts';
import { type StreamsConfig, type StreamsConfigInput, streamsConfig } from '../config.ts';
import { StreamsState } from '../embedded/embedded-streams-app.ts';
import { GlobalStateManager } from '../global-state.ts';
import { keyValueStoreView } from '../store-query.ts';
import { checkpointTask, TaskCheckpointer } from './checkpoint.ts';
import { AtLeastOnceCommitter, type Committer, ExactlyOnceCommitter } from './committer.ts';
import { GlobalStoreUpdater } from './global-store-updater.ts';
import { type KafkaConnectionOptions, PlatformaticKafkaFactory } from './kafka-adapter.ts';
import { KafkaRecordCollector } from './kafka-record-collector.ts';
import { planTopics, resolveTopicName, type TopicPlan } from './internal-topics.ts';
import { IsolationLevel, type Fetcher, type GroupMembership, type KafkaClientFactory, type TopicAdmin } from './ports.ts';
import { RebalanceListener } from './rebalance.ts';
import { RepartitionPurger } from './repartition-purger.ts';
import { StandbyTasks } from './standby-tasks.ts';
import { StreamThread } from './stream-thread.ts';
import { streamsAssignor } from './task-assignor.ts';
import { TaskManager } from './task-manager.ts';

export { StreamsState };

export interface KafkaStreamsOptions extends Partial<KafkaConnectionOptions> {
  /** The group session timeout: how long a silent instance keeps its tasks. */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** How long the group waits for every member to rejoin (Kafka's max.poll.interval.ms plays this part). */
  rebalanceTimeoutMs?: number;
  /** exactly_once_v2: the broker aborts a transaction left open longer than this. */
  transactionTimeoutMs?: number;
  /** Longest a fetch waits for data when nothing is buffered. */
  fetchMaxWaitMs?: number;
  /** Records a task processes before the loop moves on to the next task. */
  maxRecordsPerTaskPass?: number;
  /** Output records per producer batch. */
  producerBatchSize?: number;
  /** Longest an output record waits in the buffer for more to batch with, while the loop is busy (Kafka's linger.ms). */
  lingerMs?: number;
  /**
   * Where a source topic partition without a committed offset starts (Kafka's auto.offset.reset): its log
   * start (default) or its end. Internal topics always start at their log start.
   */
  autoOffsetReset?: 'earliest' | 'latest';
  /**
   * Static membership (Kafka's group.instance.id): unique per instance and stable across its restarts, so a
   * restart within the session timeout gets the same tasks back without a rebalance of the others.
   */
  groupInstanceId?: string;
  /**
   * How often records of repartition topics below the committed offsets are deleted (Kafka's
   * repartition.purge.interval.ms): they were written for this application alone and are consumed.
   */
  repartitionPurgeIntervalMs?: number;
  /** Close gracefully on SIGTERM and SIGINT (default true). */
  shutdownOnSignals?: boolean;
  /** Another client than @platformatic/kafka (tests, other transports). */
  clientFactory?: KafkaClientFactory;
}

export const defaultKafkaStreamsOptions = {
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1_000,
  rebalanceTimeoutMs: 60_000,
  transactionTimeoutMs: 10_000,
  fetchMaxWaitMs: 100,
  maxRecordsPerTaskPass: 1000,
  producerBatchSize: 5000,
  lingerMs: 5,
  autoOffsetReset: 'earliest',
  repartitionPurgeIntervalMs: 30_000,
  shutdownOnSignals: true,
} satisfies KafkaStreamsOptions;

const positiveInt = z.number().int().positive();
const optionsSchema = z
  .object({
    brokers: z.array(z.string().regex(/^[^:\s]+:\d+$/, 'host:port')).min(1).optional(),
    clientId: z.string().min(1).optional(),
    sasl: z.custom<KafkaConnectionOptions['sasl']>((v) => typeof v === 'object' && v !== null).optional(),
    tls: z.custom<KafkaConnectionOptions['tls']>((v) => typeof v === 'object' && v !== null).optional(),
    requestTimeoutMs: positiveInt.optional(),
    sessionTimeoutMs: positiveInt.optional(),
    heartbeatIntervalMs: positiveInt.optional(),
    rebalanceTimeoutMs: positiveInt.optional(),
    transactionTimeoutMs: positiveInt.optional(),
    fetchMaxWaitMs: z.number().int().nonnegative().optional(),
    maxRecordsPerTaskPass: positiveInt.optional(),
    producerBatchSize: positiveInt.optional(),
    lingerMs: z.number().int().nonnegative().optional(),
    autoOffsetReset: z.enum(['earliest', 'latest']).optional(),
    repartitionPurgeIntervalMs: z.number().int().nonnegative().optional(),
    groupInstanceId: z.string().regex(/^[a-zA-Z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only').optional(),
    shutdownOnSignals: z.boolean().optional(),
    clientFactory: z.custom<KafkaClientFactory>((v) => typeof v === 'object' && v !== null).optional(),
  })
  .strict();

type ResolvedKafkaOptions = KafkaStreamsOptions & { [K in keyof typeof defaultKafkaStreamsOptions]-?: NonNullable<KafkaStreamsOptions[K]> };

function kafkaOptions(input: KafkaStreamsOptions): ResolvedKafkaOptions {
  const parsed = optionsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.');
    throw new ConfigError(`kafka options ${key}: ${issue.message}`, { cause: parsed.error });
  }
  if (input.clientFactory === undefined && (input.brokers === undefined || input.brokers.length === 0)) {
    throw new ConfigError('kafka options brokers: required (host:port of at least one broker)');
  }
  const options: ResolvedKafkaOptions = { ...defaultKafkaStreamsOptions, ...input } as ResolvedKafkaOptions;
  if (options.heartbeatIntervalMs >= options.sessionTimeoutMs) {
    throw new ConfigError('kafka options heartbeatIntervalMs: must be below sessionTimeoutMs');
  }
  return options;
}

type StateListener = (next: StreamsState, previous: StreamsState) => void;

interface Running {
  readonly admin: TopicAdmin;
  readonly member: GroupMembership;
  readonly restoreFetcher: Fetcher;
  readonly globalFetcher: Fetcher;
  readonly standbyFetcher: Fetcher;
  readonly standbys: StandbyTasks;
  readonly purger: RepartitionPurger;
  readonly committer: Committer;
  readonly global: GlobalStateManager;
  readonly updater: GlobalStoreUpdater;
  readonly tasks: TaskManager;
  readonly thread: StreamThread;
  readonly listener: RebalanceListener;
  readonly collector: KafkaRecordCollector;
  readonly checkpointer: TaskCheckpointer;
}

export class KafkaStreamsApp {
  readonly config: StreamsConfig;
  readonly metrics: StreamsMetrics;
  readonly #topology: Topology;
  readonly #options: ReturnType<typeof kafkaOptions>;
  readonly #factory: KafkaClientFactory;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #listeners = new Set<StateListener>();
  readonly #errorListeners = new Set<(error: unknown) => void>();
  /** This instance's id: part of its transactional id under exactly_once_v2. */
  readonly processId = randomUUID();
  #state: StreamsState = StreamsState.CREATED;
  #running: Running | null = null;
  #plan: TopicPlan | null = null;
  #error: unknown = null;
  #closing: Promise<boolean> | null = null;
  readonly #onSignal = () => void this.close();

  constructor(topology: Topology, config: StreamsConfigInput, kafka: KafkaStreamsOptions, clock: Clock = systemClock) {
    this.#topology = topology;
    this.config = streamsConfig(config);
    this.#options = kafkaOptions(kafka);
    this.#factory = kafka.clientFactory ?? new PlatformaticKafkaFactory({ ...kafka, brokers: kafka.brokers!, clientId: kafka.clientId ?? this.config.applicationId });
    this.#clock = clock;
    this.#log = this.config.logger.child({ app: this.config.applicationId, instance: this.processId.slice(0, 8) });
    this.metrics = new StreamsMetrics(this.config.metricsRecordingLevel);
  }

  get state(): StreamsState {
    return this.#state;
  }

  /** The error that put the instance in ERROR, if any. */
  get error(): unknown {
    return this.#error;
  }

  onStateChange(listener: StateListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Kafka Streams' uncaught exception handler: told of the failure that stops the instance. */
  onError(listener: (error: unknown) => void): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  /** Task ids this instance runs now. */
  get activeTasks(): string[] {
    return this.#running?.tasks.taskIds() ?? [];
  }

  /** Changelog records this instance read to restore tasks assigned to it (not counting standby upkeep). */
  get restoredRecords(): number {
    return this.#running?.listener.restoredRecords ?? 0;
  }

  /** Task ids this instance keeps standby copies of (numStandbyReplicas > 0). */
  get standbyTasks(): string[] {
    return this.#running?.standbys.ids() ?? [];
  }

  /** Each standby task's next changelog offset per "topic:partition". */
  standbyPositions(): Array<{ taskId: string; positions: Map<string, bigint> }> {
    const r = this.#running;
    return (r?.standbys.ids() ?? []).map((taskId) => ({ taskId, positions: r!.standbys.positions(taskId) }));
  }

  /** Records processed since start. */
  get processedRecords(): number {
    return this.#running?.thread.processed ?? 0;
  }

  /** The stores of every active task (a consistent view only while paused; for tests and metrics). */
  taskStores(): Array<{ taskId: string; stores: ReadonlyMap<string, StateStore> }> {
    return (this.#running?.tasks.runs ?? []).map((r) => ({ taskId: r.task.id, stores: r.task.stores }));
  }

  /**
   * An interactive query: a read-only view of a key-value store over the tasks this instance runs at the time
   * of each call, or of a global store (whole on every instance). Each call reads between processing passes.
   */
  store<K, V>(name: string): ReadOnlyKeyValueStore<K, V> {
    const r = this.#running;
    if (r === null) throw new StreamsError('STREAMS_ILLEGAL_STATE', `store ${name}: the instance has not started`);
    return keyValueStoreView(this.#topology, name, r.global.stores.get(name), () => r.tasks.runs.flatMap((run) => run.task.stores.get(name) ?? []));
  }

  /**
   * Holds processing (Kafka Streams' pause(), KIP-834): records wait in their buffers while the instance stays in
   * its group, commits what it processed and keeps its global stores current. resume() lets them through.
   */
  pause(): void {
    this.#running?.thread.hold();
  }

  resume(): void {
    this.#running?.thread.release();
  }

  get isPaused(): boolean {
    return this.#running?.thread.held ?? false;
  }

  /** How far the global stores have read: next offset per "topic:partition" of their topics. */
  globalPositions(): Map<string, bigint> {
    return new Map(this.#running?.updater.positions ?? []);
  }

  /** Resolves when the instance reaches `state`; rejects on ERROR or after `timeoutMs`. */
  waitForState(state: StreamsState, timeoutMs = 60_000): Promise<void> {
    if (this.#state === state) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new StreamsError('STREAMS_TIMEOUT', `state ${state} not reached within ${timeoutMs} ms (now ${this.#state})`));
      }, timeoutMs);
      const off = this.onStateChange((next) => {
        if (next === state || (next === StreamsState.ERROR && state !== StreamsState.ERROR)) {
          clearTimeout(timer);
          off();
          if (next === state) resolve();
          else reject(new StreamsError('STREAMS_FAILED', `instance failed before ${state}`, { cause: this.#error }));
        }
      });
    });
  }

  /**
   * Creates missing internal topics, bootstraps the global stores, then joins the group. Resolves once
   * the first JoinGroup completed; the state turns RUNNING when the assigned tasks are restored.
   */
  async start(): Promise<void> {
    if (this.#state !== StreamsState.CREATED) throw new StreamsError('STREAMS_ILLEGAL_STATE', `cannot start from ${this.#state}`);
    this.#setState(StreamsState.REBALANCING);
    try {
      this.#running = await this.#prepare();
      const r = this.#running;
      r.thread.start();
      const plan = this.#plan!;
      const stateful = (l: (typeof plan.subtopologies)[number]) => l.subtopology.stores.some((name) => this.#topology.stateStore(name)?.loggingEnabled === true);
      const assignor = streamsAssignor(
        plan.subtopologies.map((l) => ({ id: l.subtopology.id, topics: l.sourceTopics, stateful: stateful(l) })),
        { standbyReplicas: this.config.numStandbyReplicas },
      );
      r.updater.start((error) => this.#fail(error));
      r.standbys.start((error) => this.#fail(error));
      if (this.#options.shutdownOnSignals) {
        process.once('SIGTERM', this.#onSignal);
        process.once('SIGINT', this.#onSignal);
      }
      await r.member.join(plan.sourceTopics, assignor, r.listener);
    } catch (error) {
      this.#fail(error);
      throw error;
    }
  }

  /**
   * Stops processing, commits what was processed (unless in ERROR), closes tasks and clients and leaves
   * the group. Resolves true when everything finished within `timeoutMs`.
   */
  close(options: { timeoutMs?: number } = {}): Promise<boolean> {
    this.#closing ??= this.#close(options.timeoutMs ?? 30_000);
    return this.#closing;
  }

  async #close(timeoutMs: number): Promise<boolean> {
    process.removeListener('SIGTERM', this.#onSignal);
    process.removeListener('SIGINT', this.#onSignal);
    if (this.#state === StreamsState.NOT_RUNNING) return true;
    const failed = this.#state === StreamsState.ERROR;
    if (!failed) this.#setState(StreamsState.PENDING_SHUTDOWN);
    const r = this.#running;
    let finished = true;
    if (r !== null) {
      const work = this.#shutdown(r, !failed);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
      finished = await Promise.race([work.then(() => true), timeout]);
      clearTimeout(timer);
      if (!finished) this.#log.warn({ timeoutMs }, 'close timed out; some clients may still be closing');
    }
    if (!failed) this.#setState(StreamsState.NOT_RUNNING);
    return finished;
  }

  async #shutdown(r: Running, commit: boolean): Promise<void> {
    await r.thread.stop();
    await r.listener.close();
    if (commit && r.listener.generation !== null && r.tasks.size > 0) {
      try {
        await r.thread.commit();
        // A clean close: the next start on this machine restores only what others wrote since.
        await r.checkpointer.write(r.tasks.runs.map((run) => checkpointTask(run.task))).catch((error: unknown) => this.#log.warn({ err: String(error) }, 'checkpoint at close failed'));
      } catch (error) {
        this.#log.warn({ err: error instanceof Error ? error.message : String(error) }, 'final commit failed');
        await r.committer.abandon(r.collector).catch(() => {});
      }
    } else if (!commit) {
      await r.committer.abandon(r.collector).catch(() => {});
    }
    r.tasks.closeAll();
    await r.standbys.close();
    await r.purger.idle();
    await r.updater.stop();
    r.global.close();
    const quietly = (p: Promise<unknown>) => p.catch((error: unknown) => this.#log.debug({ err: String(error) }, 'client close failed'));
    // Closing the group member leaves the group, so the others rebalance at once instead of after the session timeout.
    await Promise.all([quietly(r.member.close()), quietly(r.restoreFetcher.close()), quietly(r.globalFetcher.close()), quietly(r.standbyFetcher.close()), quietly(r.committer.close()), quietly(r.admin.close())]);
  }

  async #prepare(): Promise<Running> {
    const { config } = this;
    const topology = this.#topology;
    const admin = this.#factory.admin();
    const userTopics = new Set<string>();
    for (const node of topology.nodes()) {
      if (node.kind === 'source') for (const t of node.topics) if (!topology.isInternalTopic(t)) userTopics.add(t);
      if (node.kind === 'sink' && typeof node.topic === 'string' && !topology.isInternalTopic(node.topic)) userTopics.add(node.topic);
    }
    if (config.deadLetterQueueTopic !== null) userTopics.add(config.deadLetterQueueTopic);
    const counts = await admin.partitionCounts([...userTopics]);
    const missing = [...userTopics].filter((t) => !counts.has(t));
    if (missing.length > 0) {
      throw new StreamsError('STREAMS_MISSING_TOPIC', `topics ${missing.join(', ')} do not exist: create them (with their partition counts) before starting`);
    }
    const plan = planTopics(topology, config.applicationId, counts, config.defaultPartitions);
    this.#plan = plan;
    await admin.createTopics(plan.internalTopics);
    const internalCounts = await admin.partitionCounts(plan.internalTopics.map((t) => t.name));
    for (const spec of plan.internalTopics) {
      const actual = internalCounts.get(spec.name);
      if (actual !== spec.partitions) {
        throw new StreamsError('STREAMS_INTERNAL_TOPIC', `internal topic ${spec.name} has ${actual ?? 'no'} partitions, the topology needs ${spec.partitions}: delete it or reset the application`);
      }
      counts.set(spec.name, spec.partitions);
    }

    const eos = config.processingGuarantee === 'exactly_once_v2';
    const isolation = eos ? IsolationLevel.READ_COMMITTED : IsolationLevel.READ_UNCOMMITTED;
    const member = this.#factory.member(config.applicationId, this.#options);
    const restoreFetcher = this.#factory.fetcher('restore', isolation);
    const globalFetcher = this.#factory.fetcher('global', IsolationLevel.READ_COMMITTED);
    const standbyFetcher = this.#factory.fetcher('standby', isolation);
    const committer: Committer = eos
      ? new ExactlyOnceCommitter(this.#factory.transactionalProducer(`${config.applicationId}-${this.processId}`, this.#options.transactionTimeoutMs))
      : new AtLeastOnceCommitter(this.#factory.producer(), member);
    const collector = new KafkaRecordCollector(counts, (batch) => committer.deliver(batch), this.#options.producerBatchSize, this.#options.lingerMs);

    const global = new GlobalStateManager(topology, config, this.#clock, this.metrics);
    const globalCounts = await admin.partitionCounts(global.topics);
    const absentGlobal = global.topics.filter((t) => !globalCounts.has(t));
    if (absentGlobal.length > 0) throw new StreamsError('STREAMS_MISSING_TOPIC', `global table topics ${absentGlobal.join(', ')} do not exist`);
    const updater = new GlobalStoreUpdater(global, globalFetcher, globalCounts, this.#log);
    // Global stores are complete before any task can be assigned, let alone process.
    await updater.bootstrap();

    const tasks = new TaskManager({
      topology,
      config,
      layouts: plan.subtopologies,
      collector,
      clock: this.#clock,
      metrics: this.metrics,
      globalStores: global.stores,
      resolveTopic: (t) => resolveTopicName(topology, config.applicationId, t),
    });
    const checkpointer = new TaskCheckpointer({ topology, applicationId: config.applicationId, stateDir: config.stateDir, fetcher: restoreFetcher, onlyWhenClean: eos });
    const repartitionTopics = new Set(topology.internalTopics().filter((t) => t.kind === 'repartition').map((t) => resolveTopicName(topology, config.applicationId, t.name)));
    const purger = new RepartitionPurger(admin, repartitionTopics, this.#options.repartitionPurgeIntervalMs, this.#clock, this.#log);
    const standbys = new StandbyTasks({ topology, applicationId: config.applicationId, stateDir: config.stateDir, tasks, fetcher: standbyFetcher, checkpointer, log: this.#log });
    let listener: RebalanceListener | null = null;
    const thread = new StreamThread({
      tasks,
      fetcher: member,
      collector,
      committer,
      config,
      clock: this.#clock,
      log: this.#log,
      fetchMaxWaitMs: this.#options.fetchMaxWaitMs,
      maxRecordsPerTaskPass: this.#options.maxRecordsPerTaskPass,
      generation: () => listener?.generation ?? null,
      commitDeferred: () => listener?.joinPending ?? false,
      afterCommit: async () => {
        purger.maybePurge(tasks.lastPrepared);
        if (checkpointer.onCommit) await checkpointer.write(tasks.runs.map((run) => checkpointTask(run.task)));
      },
      onTasksLost: () => listener?.rejoin(),
      onFatal: (error) => this.#fail(error),
    });
    listener = new RebalanceListener({
      applicationId: config.applicationId,
      topology,
      tasks,
      thread,
      member,
      restoreFetcher,
      checkpointer,
      standbys,
      log: this.#log,
      autoOffsetReset: this.#options.autoOffsetReset,
      rebalancing: () => {
        if (this.#state === StreamsState.RUNNING) this.#setState(StreamsState.REBALANCING);
      },
      running: () => {
        if (this.#state === StreamsState.REBALANCING) this.#setState(StreamsState.RUNNING);
      },
      onFatal: (error) => this.#fail(error),
    });
    return { admin, member, restoreFetcher, globalFetcher, standbyFetcher, standbys, purger, committer, global, updater, tasks, thread, listener, collector, checkpointer };
  }

  #fail(error: unknown): void {
    if (this.#state === StreamsState.ERROR || this.#state === StreamsState.NOT_RUNNING) return;
    if (this.#state === StreamsState.PENDING_SHUTDOWN) {
      this.#log.warn({ err: error instanceof Error ? error.message : String(error) }, 'error while shutting down');
      return;
    }
    this.#error = error;
    this.#log.error({ err: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'instance failed');
    this.#setState(StreamsState.ERROR);
    void this.#running?.thread.stop();
    for (const listener of this.#errorListeners) listener(error);
  }

  #setState(next: StreamsState): void {
    const previous = this.#state;
    if (previous === next) return;
    this.#state = next;
    this.#log.info({ from: previous, to: next }, 'state change');
    for (const listener of this.#listeners) listener(next, previous);
  }
}
