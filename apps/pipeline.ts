// The whole risk pipeline in one process on the embedded runtime: load record files (or generated records)
// into an in-memory cluster, run every app deterministically, and collect what they produced.

import type { Logger } from '../common/logger.ts';
import { type Clock, ManualClock } from '../common/time.ts';
import { EmbeddedStreamsApp } from '../runtime/embedded/embedded-streams-app.ts';
import { InMemoryCluster } from '../runtime/embedded/in-memory-cluster.ts';
import type { FileRecord } from '../runtime/replay/record-files.ts';
import { type ReplayProgress, runDeterministically } from '../runtime/replay/replay-runner.ts';
import { RecordPartitioner } from '../runtime/record-partitioner.ts';
import type { StoreType } from '../topology/options.ts';
import type { RiskConfig } from './config.ts';
import { apps as allApps, type AppDefinition } from './registry.ts';
import { appStreamsConfig } from './streams-config.ts';
import { inputTopics, topicConfigs, Topics } from './schemas/topics.ts';

export interface PipelineOptions {
  readonly config: RiskConfig;
  readonly partitions?: number;
  readonly storeType?: StoreType;
  readonly stateDir?: string;
  readonly apps?: readonly AppDefinition[];
  /** The apps' wall clock (punctuation, metrics): a manual one at 0 unless given, so a replay never reads the system's. */
  readonly clock?: Clock;
  /** Each app logs through a child with its `app` bound; default: the streams config's own. */
  readonly logger?: Logger;
}

export interface Pipeline {
  readonly cluster: InMemoryCluster;
  readonly apps: ReadonlyMap<string, EmbeddedStreamsApp>;
  /** Input records not yet appended, in replay order (timestamp, topic name, file order). */
  readonly pending: FileRecordOnTopic[];
  /** "topic:partition:offset" of every input record appended, so outputs leave them out. */
  readonly inputOffsets: Set<string>;
  readonly partitioner: RecordPartitioner;
}

interface FileRecordOnTopic {
  readonly topic: string;
  readonly record: FileRecord;
}

/** Creates the cluster with the contract's topics, appends the inputs (file order kept), starts the apps. */
export function createPipeline(inputs: ReadonlyMap<string, readonly FileRecord[]>, options: PipelineOptions): Pipeline {
  const partitions = options.partitions ?? 1;
  const cluster = new InMemoryCluster({ defaultPartitions: partitions });
  for (const topic of Object.values(Topics)) {
    cluster.createTopic(topic, { partitions: topic === Topics.KILLSWITCH_STATE ? 1 : partitions, config: topicConfigs[topic] });
  }
  const pending: FileRecordOnTopic[] = [];
  for (const [topic, records] of inputs) {
    if (!cluster.hasTopic(topic)) cluster.createTopic(topic, { partitions });
    for (const record of records) pending.push({ topic, record });
  }
  // Stable: within a file, file order is kept (a late record stays late).
  pending.sort((a, b) => a.record.timestamp - b.record.timestamp || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  const clock = options.clock ?? new ManualClock(0);
  const running = new Map<string, EmbeddedStreamsApp>();
  for (const def of options.apps ?? allApps) {
    const topology = def.build(options.config, { storeType: options.storeType ?? 'in-memory' });
    // No record cache: every update is emitted when it happens, as the contract's topics promise.
    const app = new EmbeddedStreamsApp(
      topology,
      appStreamsConfig(def.applicationId, {
        cacheMaxBytes: 0,
        stateDir: options.stateDir ?? '/tmp/risk-streams',
        commitIntervalMs: 60_000,
        ...(options.logger === undefined ? {} : { logger: options.logger.child({ app: def.applicationId }) }),
      }),
      cluster,
      clock,
    );
    app.start();
    running.set(def.name, app);
  }
  return { cluster, apps: running, pending, inputOffsets: new Set(), partitioner: new RecordPartitioner() };
}

/** Appends one outside record (an input file's, or a live one such as an operator command). */
export function appendInput(pipeline: Pipeline, topic: string, r: FileRecord): void {
  const { cluster } = pipeline;
  const key = r.key === null ? null : Buffer.from(r.key, 'utf8');
  const value = r.value === null ? null : Buffer.from(JSON.stringify(r.value), 'utf8');
  const partition = pipeline.partitioner.partition(topic, key, cluster.partitionsFor(topic));
  const offset = cluster.append({ topic, partition, key, value, timestamp: r.timestamp, headers: r.headers ?? {} });
  pipeline.inputOffsets.add(`${topic}:${partition}:${offset}`);
}

export function runPipeline(pipeline: Pipeline, onProgress?: (p: ReplayProgress) => void): number {
  let next = 0;
  const { pending } = pipeline;
  const feeder = {
    nextTimestamp: () => (next < pending.length ? pending[next].record.timestamp : null),
    feedUpTo(timestamp: number) {
      while (next < pending.length && pending[next].record.timestamp <= timestamp) {
        appendInput(pipeline, pending[next].topic, pending[next].record);
        next++;
      }
    },
  };
  const processed = runDeterministically([...pipeline.apps.values()], onProgress, 10_000, feeder);
  pending.splice(0, next);
  return processed;
}

/** Records the apps produced per topic (inputs and internal topics excluded), decoded, partitions merged by offset order. */
export function producedRecords(pipeline: Pipeline): Map<string, FileRecord[]> {
  const out = new Map<string, FileRecord[]>();
  const internalPrefixes = [...pipeline.apps.values()].map((a) => `${a.config.applicationId}-`);
  for (const topic of pipeline.cluster.topicNames()) {
    if (internalPrefixes.some((p) => topic.startsWith(p))) continue;
    const records: Array<FileRecord & { order: number }> = [];
    for (let p = 0; p < pipeline.cluster.partitionsFor(topic); p++) {
      for (const r of pipeline.cluster.read(topic, p, 0n, Number.MAX_SAFE_INTEGER)) {
        if (pipeline.inputOffsets.has(`${topic}:${p}:${r.offset}`)) continue;
        const value = r.value === null ? null : asRecordValue(r.value);
        const record: FileRecord & { order: number } = { timestamp: r.timestamp, key: r.key?.toString('utf8') ?? null, value, order: Number(r.offset) * 1000 + p };
        if (Object.keys(r.headers).length > 0) Object.assign(record, { headers: r.headers });
        records.push(record);
      }
    }
    if (records.length === 0) continue;
    records.sort((a, b) => a.timestamp - b.timestamp || a.order - b.order);
    out.set(topic, records.map(({ order: _order, ...r }) => r));
  }
  return out;
}

/** Record files hold JSON objects; anything else (a dead-lettered raw value) is kept as its text. */
export function asRecordValue(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed;
  } catch {
    // not JSON: fall through
  }
  return { raw: text };
}

export { inputTopics };

/**
 * From now on, run the apps whenever a record arrives (an operator's command, say): one run at a time, started
 * after the append that asked for it. A run appends the apps' own outputs and processes them, so appends made
 * during a run need no second run. Returns a function that stops it.
 */
export function runOnEveryAppend(pipeline: Pipeline): () => void {
  let running = false;
  let scheduled = false;
  return pipeline.cluster.onAppend(() => {
    if (running || scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      running = true;
      try {
        runPipeline(pipeline);
      } finally {
        running = false;
      }
    });
  });
}
