// The risk pipeline live on Kafka in one process: the contract's topics, the five apps as KafkaStreamsApps,
// inputs produced in replay order, a check that every app has caught up, and the outputs read back.
// `npm start -- --brokers`, the broker tests and the benchmarks run the apps through it.

import type { Logger } from '../../common/logger.ts';
import type { ProcessingGuarantee } from '../../runtime/config.ts';
import { resolveTopicName } from '../../runtime/kafka/internal-topics.ts';
import { type KafkaConnectionOptions, PlatformaticKafkaFactory } from '../../runtime/kafka/kafka-adapter.ts';
import { KafkaStreamsApp, type KafkaStreamsOptions } from '../../runtime/kafka/kafka-streams-app.ts';
import { IsolationLevel, partitionKey, type Fetcher, type GroupMembership, type OutgoingRecord, type OutputProducer, type TopicPartition, type TopicSpec } from '../../runtime/kafka/ports.ts';
import { allPartitions, readToEnd } from '../../runtime/kafka/topic-reader.ts';
import { ensureTopics, type EnsureTopicsOptions, type EnsureTopicsResult } from '../../runtime/kafka/topic-provisioning.ts';
import { RecordPartitioner } from '../../runtime/record-partitioner.ts';
import type { FileRecord } from '../../runtime/replay/record-files.ts';
import type { StoreType } from '../../topology/options.ts';
import type { RiskConfig } from '../config.ts';
import { asRecordValue } from '../pipeline.ts';
import { apps as allApps, type AppDefinition } from '../registry.ts';
import { topicConfigs, Topics } from '../schemas/topics.ts';
import { appStreamsConfig } from '../streams-config.ts';

export interface TopicRecord {
  readonly topic: string;
  readonly record: FileRecord;
}

/** The contract's topics (CONTRACT §1) with their configs, `partitions` each. */
export function contractTopicSpecs(partitions: number): TopicSpec[] {
  return Object.values(Topics).map((name) => ({ name, partitions, config: { ...topicConfigs[name] } }));
}

/**
 * Creates the contract's missing topics with the contract's configs, fitted to the cluster's profile (default
 * `kafka`: as written; `msk-serverless` drops and logs the keys it refuses); fails when an existing one has
 * another partition count.
 */
export async function createContractTopics(connection: KafkaConnectionOptions, partitions: number, options: EnsureTopicsOptions = {}): Promise<EnsureTopicsResult> {
  const admin = new PlatformaticKafkaFactory({ ...connection, clientId: 'risk-streams-topics' }).admin();
  try {
    return await ensureTopics(admin, contractTopicSpecs(partitions), options);
  } finally {
    await admin.close();
  }
}

/** Input files merged the way the replay merges them: by timestamp, ties by topic name, file order kept. */
export function replayOrder(inputs: ReadonlyMap<string, readonly FileRecord[]>): TopicRecord[] {
  const out: TopicRecord[] = [];
  for (const [topic, records] of inputs) for (const record of records) out.push({ topic, record });
  return out.sort((a, b) => a.record.timestamp - b.record.timestamp || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
}

export interface KafkaPipelineOptions {
  readonly connection: KafkaConnectionOptions;
  readonly config: RiskConfig;
  readonly stateDir: string;
  /** Default rocksdb, as deployed. */
  readonly storeType?: StoreType;
  readonly processingGuarantee?: ProcessingGuarantee;
  /** Default 100 ms: the console and the tests want results soon after the input. */
  readonly commitIntervalMs?: number;
  /** Put before each app's application id, so runs on one broker do not resume each other's offsets. */
  readonly applicationIdPrefix?: string;
  readonly logger?: Logger;
  readonly apps?: readonly AppDefinition[];
  /** Group timeouts and the like, for every app. */
  readonly kafka?: Omit<KafkaStreamsOptions, keyof KafkaConnectionOptions>;
}

interface Watched {
  readonly app: KafkaStreamsApp;
  /** The group's committed offsets, read without joining it. */
  readonly observer: GroupMembership;
  readonly sources: readonly TopicPartition[];
  readonly globals: readonly TopicPartition[];
  /** Where the group starts on partitions it has not committed yet (by its offset reset policy). */
  readonly starts: ReadonlyMap<string, bigint>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class KafkaPipeline {
  readonly apps: ReadonlyMap<string, KafkaStreamsApp>;
  readonly #producer: OutputProducer;
  readonly #fetcher: Fetcher;
  readonly #watched: readonly Watched[];
  readonly #counts: ReadonlyMap<string, number>;
  readonly #partitioner = new RecordPartitioner();

  private constructor(factory: PlatformaticKafkaFactory, apps: Map<string, KafkaStreamsApp>, watched: Watched[], counts: Map<string, number>) {
    this.apps = apps;
    this.#watched = watched;
    this.#counts = counts;
    this.#producer = factory.producer();
    this.#fetcher = factory.fetcher('pipeline-watch', IsolationLevel.READ_COMMITTED);
  }

  /** Starts every app (the contract's topics must exist) and resolves once all of them are RUNNING. */
  static async start(options: KafkaPipelineOptions): Promise<KafkaPipeline> {
    const factory = new PlatformaticKafkaFactory({ ...options.connection, clientId: 'risk-pipeline' });
    const running = new Map<string, KafkaStreamsApp>();
    const topologies = new Map<string, { app: KafkaStreamsApp; sources: string[]; globals: string[] }>();
    for (const def of options.apps ?? allApps) {
      const applicationId = `${options.applicationIdPrefix ?? ''}${def.applicationId}`;
      const topology = def.build(options.config, { storeType: options.storeType ?? 'rocksdb' });
      const app = new KafkaStreamsApp(
        topology,
        appStreamsConfig(applicationId, {
          // Every update is emitted when it happens, as the contract's topics promise (and the replay does).
          cacheMaxBytes: 0,
          stateDir: options.stateDir,
          commitIntervalMs: options.commitIntervalMs ?? 100,
          ...(options.processingGuarantee === undefined ? {} : { processingGuarantee: options.processingGuarantee }),
          ...(options.logger === undefined ? {} : { logger: options.logger }),
        }),
        { ...options.connection, clientId: applicationId, shutdownOnSignals: false, ...options.kafka },
      );
      running.set(def.name, app);
      const sources = [...new Set(topology.subtopologies().flatMap((s) => s.sourceTopics.map((t) => resolveTopicName(topology, applicationId, t))))];
      topologies.set(def.name, { app, sources, globals: topology.globalStores().map((g) => g.topic) });
    }
    const admin = factory.admin();
    let counts: Map<string, number>;
    let resetStarts: Map<string, bigint>;
    try {
      // User topics exist already: where an app without committed offsets starts can be read before it does.
      const userTopics = [...new Set([...topologies.values()].flatMap((t) => t.sources.filter((s) => (Object.values(Topics) as string[]).includes(s))))];
      const userCounts = await admin.partitionCounts(userTopics);
      const fetcher = factory.fetcher('pipeline-starts', IsolationLevel.READ_COMMITTED);
      const userPartitions = userTopics.flatMap((t) => allPartitions(t, userCounts.get(t) ?? 0));
      resetStarts = await (options.kafka?.autoOffsetReset === 'latest' ? fetcher.endOffsets(userPartitions) : fetcher.beginningOffsets(userPartitions)).finally(() => fetcher.close());
      try {
        await Promise.all([...running.values()].map((app) => app.start()));
        await Promise.all([...running.values()].map((app) => app.waitForState('RUNNING', 120_000)));
      } catch (error) {
        await Promise.all([...running.values()].map((app) => app.close({ timeoutMs: 10_000 })));
        throw error;
      }
      // Internal topics exist now: every partition count is known.
      counts = await admin.partitionCounts([...new Set([...Object.values(Topics), ...[...topologies.values()].flatMap((t) => [...t.sources, ...t.globals])])]);
    } finally {
      await admin.close();
    }
    const partitionsOf = (topics: readonly string[]) => topics.flatMap((t) => allPartitions(t, counts.get(t) ?? 0));
    const watched = [...topologies.values()].map(({ app, sources, globals }) => ({
      app,
      observer: factory.member(app.config.applicationId, { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000, rebalanceTimeoutMs: 10_000 }),
      sources: partitionsOf(sources),
      globals: partitionsOf(globals),
      starts: resetStarts,
    }));
    return new KafkaPipeline(factory, running, watched, counts);
  }

  /** Produces records as they are, partitioned like the Java client; resolves when all are acknowledged. */
  async produce(records: readonly TopicRecord[]): Promise<void> {
    const out: OutgoingRecord[] = records.map(({ topic, record: r }) => {
      const key = r.key === null ? null : Buffer.from(r.key, 'utf8');
      const partitions = this.#counts.get(topic);
      if (partitions === undefined) throw new Error(`topic ${topic} is not one of the pipeline's`);
      return {
        topic,
        partition: this.#partitioner.partition(topic, key, partitions),
        key,
        value: r.value === null ? null : Buffer.from(JSON.stringify(r.value), 'utf8'),
        timestamp: r.timestamp,
        headers: r.headers ?? {},
      };
    });
    for (let i = 0; i < out.length; i += 5000) await this.#producer.send(out.slice(i, i + 5000));
  }

  /**
   * Resolves once the pipeline is at rest: twice in a row, no app has a committed input record beyond its
   * group's committed offset, every global store has read its topics to the end, and no topic grew in between.
   * At rest, everything produced so far has been processed and its output is on the broker.
   */
  async settled(timeoutMs = 120_000, except: ReadonlySet<KafkaStreamsApp> = new Set()): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const watched = this.#watched.filter((w) => !except.has(w.app));
    let previous: Map<string, bigint> | null = null;
    while (Date.now() < deadline) {
      const failed = [...this.apps.values()].find((app) => app.state === 'ERROR');
      if (failed !== undefined) throw new Error(`${failed.config.applicationId} failed`, { cause: failed.error });
      const ends = await this.#fetcher.endOffsets([...new Set(watched.flatMap((w) => [...w.sources, ...w.globals]))]);
      const atRest = await this.#atRest(watched, ends);
      if (atRest && previous !== null && sameOffsets(previous, ends)) return;
      previous = atRest ? ends : null;
      await sleep(atRest ? 20 : 50);
    }
    throw new Error(`the pipeline did not come to rest within ${timeoutMs} ms`);
  }

  async #atRest(watched: readonly Watched[], ends: ReadonlyMap<string, bigint>): Promise<boolean> {
    for (const w of watched) {
      const globals = w.app.globalPositions();
      for (const tp of w.globals) {
        const key = partitionKey(tp.topic, tp.partition);
        if ((globals.get(key) ?? 0n) < (ends.get(key) ?? 0n)) return false;
      }
    }
    const checks = await Promise.all(
      watched.map(async (w) => {
        const committed = await w.observer.committed(w.sources);
        for (const [key, offset] of w.starts) if (!committed.has(key)) committed.set(key, offset);
        const pending = w.sources.filter((tp) => (committed.get(partitionKey(tp.topic, tp.partition)) ?? 0n) < (ends.get(partitionKey(tp.topic, tp.partition)) ?? 0n));
        if (pending.length === 0) return true;
        // Past the committed offset there may be only transaction markers: read to see whether any record is.
        const results = await this.#fetcher.fetch(
          pending.map((tp) => ({ ...tp, offset: committed.get(partitionKey(tp.topic, tp.partition)) ?? 0n })),
          { maxWaitMs: 0 },
        );
        return results.length === pending.length && results.every((r) => r.error === null && r.records.length === 0);
      }),
    );
    return checks.every(Boolean);
  }

  /**
   * Produces `records` (in replay order) in steps, coming to rest after each: consecutive records of the
   * `batchable` topics form one step, any other record is a step with the records of its topic and timestamp,
   * and so is every record at a timestamp of `isolate`. Resting between steps stands in for the time that
   * passes between events in production, which is what lets each app see the others' output in the order the
   * replay does. During an isolated step the apps named in `holdDuringIsolated` are paused until the others are
   * at rest: what they would derive from the step's records then reaches the others only after those records
   * did, as in the replay on a timestamp tie. Returns the number of steps.
   */
  async feedInSteps(
    records: readonly TopicRecord[],
    options: { batchable?: ReadonlySet<string>; isolate?: ReadonlySet<number>; holdDuringIsolated?: readonly string[] } = {},
  ): Promise<number> {
    const batchable = options.batchable ?? new Set<string>([Topics.ORDERS]);
    const isolate = options.isolate ?? new Set<number>();
    const held = new Set((options.holdDuringIsolated ?? []).map((name) => this.apps.get(name)).filter((app) => app !== undefined));
    let step: TopicRecord[] = [];
    let stepKey = '';
    let steps = 0;
    const flush = async () => {
      if (step.length === 0) return;
      const isolated = isolate.has(step[0].record.timestamp) && held.size > 0;
      if (isolated) for (const app of held) app.pause();
      try {
        await this.produce(step);
        if (isolated) await this.settled(120_000, held);
      } finally {
        if (isolated) for (const app of held) app.resume();
      }
      await this.settled();
      step = [];
      steps++;
    };
    for (const r of records) {
      const key = batchable.has(r.topic) && !isolate.has(r.record.timestamp) ? `run:${r.topic}` : `${r.topic}@${r.record.timestamp}`;
      if (key !== stepKey) await flush();
      stepKey = key;
      step.push(r);
    }
    await flush();
    return steps;
  }

  /** End offsets of the contract's topics now: where outputs() can start to leave earlier runs out. */
  async contractEndOffsets(): Promise<Map<string, bigint>> {
    return this.#fetcher.endOffsets(Object.values(Topics).flatMap((t) => allPartitions(t, this.#counts.get(t) ?? 0)));
  }

  /** Every record of a topic (from `since`, else the log start), decoded as record files hold them, partitions concatenated. */
  async read(topic: string, since?: ReadonlyMap<string, bigint>): Promise<FileRecord[]> {
    const partitions = this.#counts.get(topic);
    if (partitions === undefined) return [];
    const records = await readToEnd(this.#fetcher, allPartitions(topic, partitions), since);
    return records.map((r) => ({
      timestamp: r.timestamp,
      key: r.key?.toString('utf8') ?? null,
      value: r.value === null ? null : asRecordValue(r.value),
      ...(Object.keys(r.headers).length === 0 ? {} : { headers: r.headers }),
    }));
  }

  /**
   * What the apps produced to the contract's topics: each topic's records less the `inputs` produced to it
   * (records the apps and the inputs both write, like kill commands, are told apart by content), from `since`.
   */
  async outputs(inputs: ReadonlyMap<string, readonly FileRecord[]>, since?: ReadonlyMap<string, bigint>): Promise<Map<string, FileRecord[]>> {
    const out = new Map<string, FileRecord[]>();
    for (const topic of Object.values(Topics)) {
      const remaining = new Map<string, number>();
      for (const r of inputs.get(topic) ?? []) remaining.set(contentKey(r), (remaining.get(contentKey(r)) ?? 0) + 1);
      const produced = (await this.read(topic, since)).filter((r) => {
        const n = remaining.get(contentKey(r)) ?? 0;
        if (n === 0) return true;
        remaining.set(contentKey(r), n - 1);
        return false;
      });
      if (produced.length > 0) out.set(topic, produced);
    }
    return out;
  }

  /** Records processed by all apps since they started. */
  get processedRecords(): number {
    let n = 0;
    for (const app of this.apps.values()) n += app.processedRecords;
    return n;
  }

  /** Closes every app (committing what they processed) and the pipeline's own clients. */
  async close(timeoutMs = 30_000): Promise<boolean> {
    const results = await Promise.all([...this.apps.values()].map((app) => app.close({ timeoutMs })));
    await Promise.all([this.#producer.close(), this.#fetcher.close(), ...this.#watched.map((w) => w.observer.close())].map((p) => p.catch(() => {})));
    return results.every(Boolean);
  }
}

/** Key and value as one string; JSON.stringify keeps property order, which both sides take from the same code. */
export const contentKey = (r: Pick<FileRecord, 'key' | 'value'>): string => JSON.stringify([r.key, r.value]);

function sameOffsets(a: ReadonlyMap<string, bigint>, b: ReadonlyMap<string, bigint>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}
