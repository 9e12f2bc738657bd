// One task: a sub-topology instantiated for one input partition. It deserializes each consumed record,
// pushes it through the compiled processors, fires punctuators and prepares commits. It never awaits:
// the runtime around it fetches, flushes the producer and commits offsets.

import { DeserializationError, ProcessingError, StreamsError, TaskMigratedError } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import { LATENCY_BOUNDS_MS, AGE_BOUNDS_MS, INFO_SAMPLE_EVERY, type LatencySampler, type Sensor, type StreamsMetrics } from '../common/metrics.ts';
import type { ConsumedRecord, StreamRecord } from '../common/record.ts';
import type { Clock } from '../common/time.ts';
import { PunctuationType, supplyProcessor, type Cancellable, type Punctuator } from '../operators/api/processor.ts';
import type { StateStore } from '../state/api/state-store.ts';
import type { Serde } from '../common/serdes.ts';
import { resolveSerde, type DefaultSerdes, type SinkNode, type SourceNode, type Subtopology, type Topology } from '../topology/topology.ts';
import type { StreamsConfig } from './config.ts';
import { deadLetterRecord, respond, type ErrorContext } from './errors/exception-handlers.ts';
import type { RecordCollector } from './ports.ts';
import { ProcessorRuntimeNode, type RuntimeNode, type Scheduler } from './processor-node.ts';
import { EngineSensor } from './metrics/engine-metrics.ts';
import { PunctuationQueue } from './punctuation-queue.ts';
import { RecordPartitioner } from './record-partitioner.ts';
import { TaskContext } from './task-context.ts';

export interface TaskOptions {
  readonly topology: Topology;
  readonly subtopology: Subtopology;
  readonly partition: number;
  readonly config: StreamsConfig;
  readonly collector: RecordCollector;
  readonly clock: Clock;
  readonly metrics: StreamsMetrics;
  readonly globalStores: ReadonlyMap<string, StateStore>;
  /** Maps a topic name of the topology to the real one (internal topics get the application id prefix). */
  readonly resolveTopic: (topic: string) => string;
  /** Defaults to Kafka's `<subtopology>_<partition>`. */
  readonly taskId?: string;
}

interface CompiledSource {
  readonly topic: string;
  readonly node: SourceNode;
  readonly keySerde: Serde<any>;
  readonly valueSerde: Serde<any>;
  readonly children: RuntimeNode[];
  /** This topic's consumed positions by partition number, each created at the partition's first record. */
  readonly positions: Array<ConsumedPosition | undefined>;
}

/** The last offset the task took from one input partition; updated in place, so a record allocates nothing here. */
interface ConsumedPosition {
  readonly topic: string;
  readonly partition: number;
  offset: bigint;
}

export class StreamTask implements Scheduler {
  readonly id: string;
  readonly partition: number;
  readonly context: TaskContext;
  readonly #config: StreamsConfig;
  readonly #log: Logger;
  readonly #sources = new Map<string, CompiledSource>(); // by real topic name
  readonly #nodes: RuntimeNode[] = [];
  readonly #streamTimeQueue = new PunctuationQueue();
  readonly #wallClockQueue = new PunctuationQueue();
  /** In the order their partitions were first consumed, which is the order commits list them in. */
  readonly #consumed: ConsumedPosition[] = [];
  readonly #partitioner = new RecordPartitioner();
  readonly #processed: Sensor;
  readonly #dropped: Sensor;
  readonly #punctuations: Sensor;
  readonly #processLatency: LatencySampler;
  readonly #metrics: StreamsMetrics;
  #initialized = false;
  readonly #defaults: DefaultSerdes;

  constructor(options: TaskOptions) {
    const { topology, subtopology, partition, config } = options;
    this.id = options.taskId ?? `${subtopology.id}_${partition}`;
    this.partition = partition;
    this.#config = config;
    this.#defaults = { key: config.defaultKeySerde, value: config.defaultValueSerde };
    this.#log = config.logger.child({ task: this.id });
    this.context = new TaskContext({
      config,
      taskId: this.id,
      partition,
      clock: options.clock,
      metrics: options.metrics,
      collector: options.collector,
      globalStores: options.globalStores,
    });
    const tags = { task_id: this.id };
    this.#processed = options.metrics.sensor('process', tags);
    this.#dropped = options.metrics.sensor('dropped_records', { ...tags, reason: 'error' });
    this.#punctuations = options.metrics.histogram(EngineSensor.PUNCTUATE, tags, LATENCY_BOUNDS_MS);
    this.#processLatency = options.metrics.sampler(EngineSensor.PROCESS_LATENCY, tags);
    this.#metrics = options.metrics;

    for (const storeName of subtopology.stores) {
      this.context.stores.set(storeName, topology.stateStore(storeName)!.build());
    }
    const byName = new Map<string, RuntimeNode>();
    for (const def of subtopology.nodes) {
      if (def.kind === 'processor') {
        const node = new ProcessorRuntimeNode(def.name, supplyProcessor(def.supplier), this.context, this, def.stores);
        byName.set(def.name, node);
      } else if (def.kind === 'sink') {
        byName.set(def.name, this.#sinkNode(def, options.resolveTopic));
      }
    }
    for (const def of subtopology.nodes) {
      const children = def.successors.map((s) => byName.get(s)!);
      if (def.kind === 'processor') (byName.get(def.name) as ProcessorRuntimeNode).setChildren(children);
      if (def.kind === 'source') {
        const keySerde = resolveSerde(def.keySerde, this.#defaults, 'key');
        const valueSerde = resolveSerde(def.valueSerde, this.#defaults, 'value');
        for (const topic of def.topics) {
          const real = options.resolveTopic(topic);
          this.#sources.set(real, { topic: real, node: def, keySerde, valueSerde, children, positions: [] });
        }
      }
    }
    this.#nodes.push(...byName.values());
  }

  /** Opens the stores and calls every processor's init (stores first: processors look them up in init). */
  initialize(): void {
    if (this.#initialized) return;
    for (const store of this.context.stores.values()) store.init(this.context);
    for (const node of this.#nodes) node.init();
    this.#initialized = true;
  }

  get stores(): ReadonlyMap<string, StateStore> {
    return this.context.stores;
  }

  get inputTopics(): string[] {
    return [...this.#sources.keys()];
  }

  get streamTime(): number {
    return this.context.streamTime;
  }

  /** Processes one consumed record synchronously. Throws a StreamsError when a handler answers 'fail'. */
  process(record: ConsumedRecord): void {
    const source = this.#sources.get(record.topic);
    if (source === undefined) throw new StreamsError('STREAMS_UNKNOWN_TOPIC', `task ${this.id} does not consume ${record.topic}`);
    const ctx = this.context;
    const started = this.#processLatency.start();
    ctx.currentRecord = record;
    const position = source.positions[record.partition] ?? this.#firstConsumed(source, record.partition);
    position.offset = record.offset;

    let key: unknown;
    let value: unknown;
    let timestamp: number;
    try {
      const node = source.node;
      key = source.keySerde.deserialize(record.key, record.topic);
      value = source.valueSerde.deserialize(record.value, record.topic);
      timestamp =
        node.timestampExtractor === undefined
          ? record.timestamp
          : node.timestampExtractor({ key, value, timestamp: record.timestamp, topic: record.topic }, ctx.streamTime);
      if (!Number.isFinite(timestamp) || timestamp < 0) throw new DeserializationError(`invalid timestamp ${timestamp}`);
    } catch (error) {
      this.#handleError('deserialization', record, null, error);
      ctx.currentRecord = null;
      return;
    }

    if (timestamp > ctx.streamTime) ctx.streamTime = timestamp;
    ctx.currentTimestamp = timestamp;
    ctx.currentHeaders = record.headers;
    const typed: StreamRecord<unknown, unknown> = { key, value, timestamp, headers: record.headers };
    try {
      const children = source.children;
      for (let i = 0; i < children.length; i++) children[i].process(typed);
    } catch (error) {
      // Control flow of the runtime, not a fault of this record.
      if (error instanceof TaskMigratedError) throw error;
      this.#handleError('processing', record, null, error);
    }
    this.#processed.record();
    this.#processLatency.end(started);
    ctx.currentRecord = null;
  }

  /** Fires stream-time punctuators due at the current stream time. */
  maybePunctuateStreamTime(): boolean {
    if (this.context.streamTime === Number.NEGATIVE_INFINITY) return false;
    return this.#streamTimeQueue.mayPunctuate(this.context.streamTime);
  }

  maybePunctuateSystemTime(): boolean {
    return this.#wallClockQueue.mayPunctuate(this.context.clock.now());
  }

  schedule(node: RuntimeNode, intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable {
    if (!(intervalMs >= 1)) throw new StreamsError('STREAMS_SCHEDULE', `${node.name}: punctuation interval must be ≥ 1 ms`);
    const run = (p: Punctuator, timestamp: number) => {
      const started = performance.now();
      this.context.withRecordContext(timestamp, {}, () => p(timestamp));
      this.#punctuations.record(performance.now() - started);
    };
    if (type === PunctuationType.STREAM_TIME) return this.#streamTimeQueue.schedule(0, intervalMs, punctuator, run);
    return this.#wallClockQueue.schedule(this.context.clock.now() + intervalMs, intervalMs, punctuator, run);
  }

  /**
   * Prepares a commit:
   * 1. flush the stores (caches write through and forward their updates, changelogs receive them),
   * 2. return the offsets to commit (next offset to read per input partition).
   * The runtime then flushes the producer and commits these offsets (or the transaction).
   */
  prepareCommit(): Array<{ topic: string; partition: number; offset: bigint }> {
    for (const store of this.context.stores.values()) store.flush();
    this.context.commitRequested = false;
    return this.#consumed.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset + 1n }));
  }

  #firstConsumed(source: CompiledSource, partition: number): ConsumedPosition {
    const position: ConsumedPosition = { topic: source.topic, partition, offset: -1n };
    source.positions[partition] = position;
    this.#consumed.push(position);
    return position;
  }

  close(): void {
    for (const node of this.#nodes) node.close();
    for (const store of this.context.stores.values()) if (store.isOpen()) store.close();
  }

  #sinkNode(def: SinkNode, resolveTopic: (topic: string) => string): RuntimeNode {
    const ctx = this.context;
    const keySerde = resolveSerde(def.keySerde, this.#defaults, 'key');
    const valueSerde = resolveSerde(def.valueSerde, this.#defaults, 'value');
    const staticTopic = typeof def.topic === 'string' ? resolveTopic(def.topic) : null;
    const extractor = typeof def.topic === 'string' ? null : def.topic;
    // KIP-613's end-to-end latency, sampled like process latency: reading the clock for every output record
    // would cost more than all the other metrics together.
    const e2e = this.#metrics.histogram(EngineSensor.RECORD_E2E_LATENCY, { task_id: this.id, processor_node_id: def.name }, AGE_BOUNDS_MS);
    const every = this.#metrics.level === 'debug' ? 1 : INFO_SAMPLE_EVERY;
    let countdown = 1;
    return {
      name: def.name,
      init() {},
      close() {},
      process: (record) => {
        const topic = staticTopic ?? extractor!(record.key, record.value, { timestamp: record.timestamp });
        const key = keySerde.serialize(record.key, topic);
        const value = valueSerde.serialize(record.value, topic);
        const numPartitions = ctx.collector.partitionsFor(topic);
        const chosen = def.partitioner?.(topic, record.key, record.value, numPartitions);
        const partition = chosen ?? this.#partitioner.partition(topic, key, numPartitions);
        ctx.collector.send({ topic, partition, key, value, timestamp: record.timestamp, headers: record.headers });
        if (--countdown === 0) {
          countdown = every;
          // A clock behind the record (a replay on a manual clock) says nothing about latency.
          const age = ctx.clock.now() - record.timestamp;
          if (age >= 0) e2e.record(age);
        }
      },
    };
  }

  #handleError(kind: ErrorContext['kind'], record: ConsumedRecord, processorNodeId: string | null, error: unknown): void {
    const errorContext: ErrorContext = { kind, record, processorNodeId, taskId: this.id };
    const handler = kind === 'deserialization' ? this.#config.deserializationExceptionHandler : this.#config.processingExceptionHandler;
    const where = `topic ${record.topic} partition ${record.partition} offset ${record.offset}`;
    const message = error instanceof Error ? error.message : String(error);
    if (respond(handler, errorContext, error) === 'fail') {
      const Failure = kind === 'deserialization' ? DeserializationError : ProcessingError;
      throw new Failure(`task ${this.id}: ${kind} failed at ${where}: ${message}`, { cause: error });
    }
    this.#dropped.record();
    this.#log.warn(
      { topic: record.topic, partition: record.partition, offset: String(record.offset), corr_id: record.headers.corr_id, err: message },
      `${kind} error, record skipped`,
    );
    const dlq = this.#config.deadLetterQueueTopic;
    if (dlq !== null) {
      const dead = deadLetterRecord(dlq, errorContext, error);
      const partition = this.#partitioner.partition(dlq, dead.key, this.context.collector.partitionsFor(dlq));
      this.context.collector.send({ ...dead, partition });
    }
  }
}
