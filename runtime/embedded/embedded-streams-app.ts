// Runs a topology in this process on an InMemoryCluster: one task per sub-topology and partition, records
// fed in timestamp order per task, commits on the interval, global stores loaded before anything runs,
// stores restored from their changelogs on start. The loop is synchronous; callers decide when to run it.

import { StreamsError } from '../../common/errors.ts';
import { type Gauge, StreamsMetrics } from '../../common/metrics.ts';
import { type Clock, systemClock } from '../../common/time.ts';
import type { ReadOnlyKeyValueStore } from '../../state/api/key-value-store.ts';
import type { StateStore } from '../../state/api/state-store.ts';
import type { Topology } from '../../topology/topology.ts';
import { type StreamsConfig, type StreamsConfigInput, streamsConfig } from '../config.ts';
import { GlobalStateManager } from '../global-state.ts';
import { PartitionGroup } from '../partition-group.ts';
import { planPartitions } from '../topic-plan.ts';
import type { RecordCollector } from '../ports.ts';
import { streamThreadId, ThreadMetrics } from '../metrics/engine-metrics.ts';
import { StreamTask } from '../stream-task.ts';
import { keyValueStoreView } from '../store-query.ts';
import type { InMemoryCluster } from './in-memory-cluster.ts';

export const StreamsState = {
  CREATED: 'CREATED',
  REBALANCING: 'REBALANCING',
  RUNNING: 'RUNNING',
  PENDING_SHUTDOWN: 'PENDING_SHUTDOWN',
  NOT_RUNNING: 'NOT_RUNNING',
  ERROR: 'ERROR',
} as const;
export type StreamsState = (typeof StreamsState)[keyof typeof StreamsState];

interface TaskRun {
  readonly task: StreamTask;
  readonly group: PartitionGroup;
  /** Next offset to fetch per "topic:partition". */
  readonly positions: Map<string, bigint>;
  /** Records lag per "topic:partition", updated on each fetch. */
  readonly lags: Map<string, Gauge>;
  lastCommit: number;
}

export class EmbeddedStreamsApp {
  readonly config: StreamsConfig;
  readonly metrics: StreamsMetrics;
  readonly #topology: Topology;
  readonly #cluster: InMemoryCluster;
  readonly #clock: Clock;
  readonly #runs: TaskRun[] = [];
  readonly #global: GlobalStateManager;
  /** The loop is this instance's one stream thread, as far as metrics go. */
  readonly #thread: ThreadMetrics;
  readonly #globalPositions = new Map<string, bigint>();
  readonly #listeners = new Set<(next: StreamsState, previous: StreamsState) => void>();
  #state: StreamsState = StreamsState.CREATED;
  /** nextHead()'s answer while nothing changed; undefined when it must be recomputed. */
  #head: { timestamp: number; topic: string } | null | undefined = undefined;

  constructor(topology: Topology, config: StreamsConfigInput, cluster: InMemoryCluster, clock: Clock = systemClock) {
    this.#topology = topology;
    this.#cluster = cluster;
    this.#clock = clock;
    this.config = streamsConfig(config);
    this.metrics = new StreamsMetrics(this.config.metricsRecordingLevel);
    this.#global = new GlobalStateManager(topology, this.config, clock, this.metrics);
    this.#thread = new ThreadMetrics(this.metrics, streamThreadId(this.config.applicationId));
  }

  get state(): StreamsState {
    return this.#state;
  }

  onStateChange(listener: (next: StreamsState, previous: StreamsState) => void): void {
    this.#listeners.add(listener);
  }

  resolveTopic(topic: string): string {
    return this.#topology.isInternalTopic(topic) ? `${this.config.applicationId}-${topic}` : topic;
  }

  /** Creates internal topics and tasks, restores stores, loads global stores to the end, then RUNNING. */
  start(): void {
    if (this.#state !== StreamsState.CREATED) throw new StreamsError('STREAMS_ILLEGAL_STATE', `cannot start from ${this.#state}`);
    this.#setState(StreamsState.REBALANCING);
    this.#cluster.onAppend((topic) => {
      if (this.#head !== undefined && this.#reads(topic)) this.#head = undefined;
    });
    const started = performance.now();
    try {
      this.#createTasks();
      this.#global.initialize();
      this.#pollGlobal();
      for (const run of this.#runs) {
        run.task.initialize();
        this.#restore(run.task);
      }
      this.#thread.rebalance.record(performance.now() - started);
      this.#setState(StreamsState.RUNNING);
    } catch (error) {
      this.#setState(StreamsState.ERROR);
      throw error;
    }
  }

  /**
   * One pass: global updates, fetch, process what is ready (timestamp order per task), punctuate, commit
   * when due. Returns the number of records processed.
   */
  runOnce(maxPerTask = 1000): number {
    if (this.#state !== StreamsState.RUNNING) return 0;
    this.#head = undefined;
    try {
      this.#pollGlobal();
      const now = this.#clock.now();
      let processed = 0;
      for (const run of this.#runs) {
        this.#fetch(run);
        const caughtUp = (topic: string, partition: number) =>
          run.positions.get(`${topic}:${partition}`) === this.#cluster.endOffset(topic, partition);
        let n = 0;
        while (n < maxPerTask && run.group.ready(now, this.config.maxTaskIdleMs, caughtUp)) {
          const record = run.group.next()!;
          run.task.process(record);
          run.task.maybePunctuateStreamTime();
          n++;
          if (run.task.context.commitRequested) this.#commit(run);
        }
        processed += n;
        if (run.task.maybePunctuateSystemTime()) processed += 0;
        if (now - run.lastCommit >= this.config.commitIntervalMs) this.#commit(run);
      }
      return processed;
    } catch (error) {
      this.#setState(StreamsState.ERROR);
      throw error;
    }
  }

  /** Runs passes until a pass processes nothing, committing at the end. Returns records processed. */
  runUntilIdle(maxPasses = Number.POSITIVE_INFINITY): number {
    let total = 0;
    for (let pass = 0; pass < maxPasses; pass++) {
      const n = this.runOnce();
      total += n;
      if (n === 0) {
        this.commitAll();
        // A commit can flush caches into downstream topics: go on if that produced work.
        if (this.runOnce() === 0) break;
      }
    }
    return total;
  }

  /**
   * For a deterministic driver over several apps (the offline replay): the next record this app would
   * process — a global-store update or a task's head — without processing it.
   */
  nextHead(): { timestamp: number; topic: string } | null {
    if (this.#state !== StreamsState.RUNNING) return null;
    // The head only moves when this app processes a record or one of its input topics gets one.
    if (this.#head !== undefined) return this.#head;
    let best: { timestamp: number; topic: string } | null = null;
    const better = (timestamp: number, topic: string) =>
      best === null || timestamp < best.timestamp || (timestamp === best.timestamp && topic < best.topic);
    for (const topic of this.#global.topics) {
      const partitions = this.#cluster.partitionsFor(topic);
      for (let p = 0; p < partitions; p++) {
        const offset = this.#globalPositions.get(`${topic}:${p}`) ?? 0n;
        const [record] = this.#cluster.read(topic, p, offset, 1);
        if (record !== undefined && better(record.timestamp, topic)) best = { timestamp: record.timestamp, topic };
      }
    }
    for (const run of this.#runs) {
      this.#fetch(run);
      const head = run.group.peek();
      if (head !== undefined && better(head.timestamp, head.topic)) best = { timestamp: head.timestamp, topic: head.topic };
    }
    this.#head = best;
    return best;
  }

  /** Processes exactly the record `nextHead()` named (stream-time punctuators included). False when idle. */
  step(): boolean {
    const head = this.nextHead();
    if (head === null) return false;
    this.#head = undefined;
    try {
      if (this.#global.topics.includes(head.topic)) {
        const partitions = this.#cluster.partitionsFor(head.topic);
        for (let p = 0; p < partitions; p++) {
          const id = `${head.topic}:${p}`;
          const offset = this.#globalPositions.get(id) ?? 0n;
          const [record] = this.#cluster.read(head.topic, p, offset, 1);
          if (record !== undefined && record.timestamp === head.timestamp) {
            this.#global.update(record);
            this.#global.flush();
            this.#globalPositions.set(id, offset + 1n);
            return true;
          }
        }
      }
      for (const run of this.#runs) {
        const record = run.group.peek();
        if (record === undefined || record.timestamp !== head.timestamp || record.topic !== head.topic) continue;
        run.group.next();
        run.task.process(record);
        run.task.maybePunctuateStreamTime();
        if (run.task.context.commitRequested) this.#commit(run);
        return true;
      }
    } catch (error) {
      this.#setState(StreamsState.ERROR);
      throw error;
    }
    return false;
  }

  commitAll(): void {
    for (const run of this.#runs) this.#commit(run);
  }

  /** A read-only view over a key-value store across every task (an interactive query). */
  store<K, V>(name: string): ReadOnlyKeyValueStore<K, V> {
    return keyValueStoreView(this.#topology, name, this.#global.stores.get(name), () => this.#runs.flatMap((r) => r.task.stores.get(name) ?? []));
  }

  /** The stores of every task, for tests and metrics. */
  taskStores(): Array<{ taskId: string; stores: ReadonlyMap<string, StateStore> }> {
    return this.#runs.map((r) => ({ taskId: r.task.id, stores: r.task.stores }));
  }

  close(): void {
    if (this.#state === StreamsState.NOT_RUNNING) return;
    this.#setState(StreamsState.PENDING_SHUTDOWN);
    if (this.#runs.length > 0 && this.#state !== StreamsState.ERROR) this.commitAll();
    for (const run of this.#runs) run.task.close();
    this.#global.close();
    this.#setState(StreamsState.NOT_RUNNING);
  }

  #readTopics: Set<string> | null = null;

  #reads(topic: string): boolean {
    this.#readTopics ??= new Set([...this.#global.topics, ...this.#runs.flatMap((r) => r.task.inputTopics)]);
    return this.#readTopics.has(topic);
  }

  #setState(next: StreamsState): void {
    const previous = this.#state;
    if (previous === next) return;
    this.#state = next;
    for (const listener of this.#listeners) listener(next, previous);
  }

  #createTasks(): void {
    const cluster = this.#cluster;
    const collector: RecordCollector = {
      send: (record) => {
        cluster.append(record);
      },
      partitionsFor: (topic) => cluster.partitionsFor(topic),
    };
    const subtopologies = this.#topology.subtopologies();
    // Source topics that do not exist yet are created with the default partition count.
    for (const sub of subtopologies) {
      for (const topic of sub.sourceTopics) {
        if (!this.#topology.isInternalTopic(topic) && !cluster.hasTopic(topic)) {
          cluster.createTopic(topic, { partitions: this.config.defaultPartitions });
        }
      }
    }
    for (const topic of this.#global.topics) if (!cluster.hasTopic(topic)) cluster.createTopic(topic, { partitions: 1 });
    const plan = planPartitions(this.#topology, (topic) => cluster.partitionsFor(topic), this.config.defaultPartitions);
    for (const internal of this.#topology.internalTopics()) {
      const real = this.resolveTopic(internal.name);
      if (!cluster.hasTopic(real)) cluster.createTopic(real, { partitions: plan.topics.get(internal.name)! });
    }
    for (const sub of subtopologies) {
      const partitions = plan.subtopologies.get(sub.id)!;
      for (const store of sub.stores) {
        const builder = this.#topology.stateStore(store)!;
        if (builder.loggingEnabled) {
          cluster.createTopic(`${this.config.applicationId}-${store}-changelog`, {
            partitions,
            config: { 'cleanup.policy': 'compact', ...builder.logConfig },
          });
        }
      }
      for (let partition = 0; partition < partitions; partition++) {
        const task = new StreamTask({
          topology: this.#topology,
          subtopology: sub,
          partition,
          config: this.config,
          collector,
          clock: this.#clock,
          metrics: this.metrics,
          globalStores: this.#global.stores,
          resolveTopic: (t) => this.resolveTopic(t),
        });
        const group = new PartitionGroup();
        const positions = new Map<string, bigint>();
        const lags = new Map<string, Gauge>();
        for (const topic of task.inputTopics) {
          group.addPartition(topic, partition);
          lags.set(`${topic}:${partition}`, this.#thread.lag(topic, partition));
          const committed = cluster.committed(this.config.applicationId, topic, partition);
          positions.set(`${topic}:${partition}`, committed ?? 0n);
        }
        this.#runs.push({ task, group, positions, lags, lastCommit: this.#clock.now() });
      }
    }
  }

  #restore(task: StreamTask): void {
    for (const [name, store] of task.stores) {
      const topic = `${this.config.applicationId}-${name}-changelog`;
      if (!this.#cluster.hasTopic(topic)) continue;
      const restorable = store as StateStore & { restoreBatch?: (records: { key: Buffer; value: Buffer | null; timestamp: number }[]) => void };
      if (restorable.restoreBatch === undefined) continue;
      let offset = 0n;
      const end = this.#cluster.endOffset(topic, task.partition);
      const progress = this.#thread.restore(task.id, name);
      progress.remaining.set(Number(end));
      while (offset < end) {
        const batch = this.#cluster.read(topic, task.partition, offset, 10_000);
        restorable.restoreBatch(batch.map((r) => ({ key: r.key!, value: r.value, timestamp: r.timestamp })));
        offset += BigInt(batch.length);
        progress.restored.record(batch.length);
        progress.remaining.set(Number(end - offset));
      }
    }
  }

  #fetch(run: TaskRun): void {
    let fetched = 0;
    for (const { topic, partition } of run.group.partitions()) {
      if (run.group.bufferedFor(topic, partition) > 500) continue;
      const id = `${topic}:${partition}`;
      const position = run.positions.get(id)!;
      const records = this.#cluster.read(topic, partition, position, 1000);
      if (records.length === 0) {
        run.lags.get(id)!.set(0);
        continue;
      }
      run.group.add(records);
      const next = position + BigInt(records.length);
      run.positions.set(id, next);
      run.lags.get(id)!.set(Number(this.#cluster.endOffset(topic, partition) - next));
      fetched += records.length;
    }
    if (fetched > 0) this.#thread.poll.record(fetched);
  }

  #pollGlobal(): void {
    let updated = false;
    for (const topic of this.#global.topics) {
      const partitions = this.#cluster.partitionsFor(topic);
      for (let p = 0; p < partitions; p++) {
        const id = `${topic}:${p}`;
        let offset = this.#globalPositions.get(id) ?? 0n;
        const end = this.#cluster.endOffset(topic, p);
        while (offset < end) {
          for (const record of this.#cluster.read(topic, p, offset, 10_000)) {
            this.#global.update(record);
            offset = record.offset + 1n;
            updated = true;
          }
        }
        this.#globalPositions.set(id, offset);
      }
    }
    if (updated) this.#global.flush();
  }

  /**
   * Commit: 1. flush the task's stores (caches forward, changelogs written) 2. producer: appends are
   * synchronous here 3. commit the consumed offsets for the group.
   */
  #commit(run: TaskRun): void {
    const started = performance.now();
    const offsets = run.task.prepareCommit();
    if (offsets.length > 0) this.#cluster.commit(this.config.applicationId, offsets);
    run.lastCommit = this.#clock.now();
    this.#thread.commit.record(performance.now() - started);
  }
}
