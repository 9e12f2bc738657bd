// TopologyTestDriver: runs a topology's real task code synchronously, one record at a time, with no broker.
// Each piped record is processed, stream-time punctuators fire, and the task commits (so caches flush),
// exactly as Kafka Streams' driver does; records written to repartition topics are processed in turn.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamsError } from '../../common/errors.ts';
import { StreamsMetrics } from '../../common/metrics.ts';
import type { ConsumedRecord, Headers, ProducedRecord } from '../../common/record.ts';
import type { Serde } from '../../common/serdes.ts';
import { ManualClock } from '../../common/time.ts';
import type { KeyValueStore } from '../../state/api/key-value-store.ts';
import type { StateStore } from '../../state/api/state-store.ts';
import type { ValueAndTimestamp } from '../../state/api/value-and-timestamp.ts';
import { KeyValueStoreBuilder } from '../../state/stores.ts';
import type { Topology } from '../../topology/topology.ts';
import { type StreamsConfig, type StreamsConfigInput, streamsConfig } from '../config.ts';
import { GlobalStateManager } from '../global-state.ts';
import type { RecordCollector } from '../ports.ts';
import { StreamTask } from '../stream-task.ts';
import { TestInputTopic, TestOutputTopic } from './test-topics.ts';
import { plainValueStore } from './value-store-facade.ts';
import { isVersionedStore, type VersionedKeyValueStore } from '../../state/api/versioned-key-value-store.ts';
import type { SessionStore } from '../../state/api/session-store.ts';
import type { WindowStore } from '../../state/api/window-store.ts';
import { WindowStoreBuilder } from '../../state/windowed-store-builders.ts';
import { plainValueWindowStore } from './window-store-facade.ts';

export type TestDriverConfig = Partial<StreamsConfigInput>;

export class TopologyTestDriver {
  readonly config: StreamsConfig;
  readonly metrics: StreamsMetrics;
  readonly #topology: Topology;
  readonly #clock: ManualClock;
  readonly #stateDir: string;
  readonly #tasks: StreamTask[] = [];
  readonly #taskByTopic = new Map<string, StreamTask>();
  readonly #global: GlobalStateManager;
  readonly #outputs = new Map<string, ProducedRecord[]>();
  readonly #internalTopics = new Set<string>();
  readonly #pending: ProducedRecord[] = [];
  readonly #offsets = new Map<string, bigint>();
  #closed = false;

  constructor(topology: Topology, config: TestDriverConfig = {}, initialWallClockTimeMs = 0) {
    this.#topology = topology;
    this.#stateDir = mkdtempSync(join(tmpdir(), 'risk-streams-ttd-'));
    this.config = streamsConfig({ applicationId: 'test-driver', ...config, stateDir: this.#stateDir });
    this.#clock = new ManualClock(initialWallClockTimeMs);
    this.metrics = new StreamsMetrics(this.config.metricsRecordingLevel);
    const resolveTopic = (topic: string) =>
      topology.isInternalTopic(topic) ? `${this.config.applicationId}-${topic}` : topic;
    for (const internal of topology.internalTopics()) this.#internalTopics.add(resolveTopic(internal.name));

    const collector: RecordCollector = {
      send: (record) => {
        let list = this.#outputs.get(record.topic);
        if (list === undefined) this.#outputs.set(record.topic, (list = []));
        list.push(record);
        if (this.#internalTopics.has(record.topic)) this.#pending.push(record);
      },
      partitionsFor: () => 1,
    };

    this.#global = new GlobalStateManager(topology, this.config, this.#clock, this.metrics);
    this.#global.initialize();
    for (const subtopology of topology.subtopologies()) {
      const task = new StreamTask({
        topology,
        subtopology,
        partition: 0,
        config: this.config,
        collector,
        clock: this.#clock,
        metrics: this.metrics,
        globalStores: this.#global.stores,
        resolveTopic,
      });
      task.initialize();
      this.#tasks.push(task);
      for (const topic of task.inputTopics) this.#taskByTopic.set(topic, task);
    }
  }

  createInputTopic<K, V>(name: string, keySerde: Serde<K>, valueSerde: Serde<V>, startTimestampMs?: number, autoAdvanceMs = 0): TestInputTopic<K, V> {
    return new TestInputTopic(this, name, keySerde, valueSerde, startTimestampMs ?? this.#clock.now(), autoAdvanceMs);
  }

  createOutputTopic<K, V>(name: string, keySerde: Serde<K>, valueSerde: Serde<V>): TestOutputTopic<K, V> {
    return new TestOutputTopic(this, name, keySerde, valueSerde);
  }

  /** Serialized input: used by TestInputTopic, and by tests that need to pipe bytes a serde would refuse. */
  pipeRawRecord(topic: string, key: Buffer | null, value: Buffer | null, timestamp: number, headers: Headers = {}): void {
    this.#assertOpen();
    const offset = this.#offsets.get(topic) ?? 0n;
    this.#offsets.set(topic, offset + 1n);
    const record: ConsumedRecord = { topic, partition: 0, offset, key, value, timestamp, headers };
    if (this.#global.topics.includes(topic)) {
      this.#global.update(record);
      this.#global.flush();
      return;
    }
    const task = this.#taskByTopic.get(topic);
    if (task === undefined) {
      throw new StreamsError('STREAMS_UNKNOWN_TOPIC', `Unknown topic: ${topic} is not a source topic of this topology`);
    }
    this.#processAndCommit(task, record);
    this.#drain();
  }

  /** Moves the wall clock, firing wall-clock punctuators (and committing). */
  advanceWallClockTime(ms: number): void {
    this.#assertOpen();
    this.#clock.advance(ms);
    for (const task of this.#tasks) {
      if (task.maybePunctuateSystemTime()) task.prepareCommit();
    }
    this.#drain();
  }

  /** Records produced to a topic so far (read by TestOutputTopic). */
  producedRecords(topic: string): readonly ProducedRecord[] {
    return this.#outputs.get(topic) ?? [];
  }

  producedTopicNames(): Set<string> {
    return new Set(this.#outputs.keys());
  }

  getStateStore(name: string): StateStore | undefined {
    for (const task of this.#tasks) {
      const store = task.stores.get(name);
      if (store !== undefined) return store;
    }
    return this.#global.stores.get(name);
  }

  /** A key-value store by name; for table stores (timestamped) the values are given without timestamps. */
  getKeyValueStore<K, V>(name: string): KeyValueStore<K, V> | undefined {
    const store = this.getStateStore(name);
    if (store === undefined) return undefined;
    const builder = this.#topology.stateStore(name);
    if (builder instanceof KeyValueStoreBuilder && builder.timestamped) {
      return plainValueStore(store as KeyValueStore<K, ValueAndTimestamp<V>>);
    }
    return store as KeyValueStore<K, V>;
  }

  getTimestampedKeyValueStore<K, V>(name: string): KeyValueStore<K, ValueAndTimestamp<V>> | undefined {
    return this.getStateStore(name) as KeyValueStore<K, ValueAndTimestamp<V>> | undefined;
  }

  /** A versioned key-value store by name (undefined when the store is absent or not versioned). */
  getVersionedKeyValueStore<K, V>(name: string): VersionedKeyValueStore<K, V> | undefined {
    const store = this.getStateStore(name);
    return store !== undefined && isVersionedStore(store) ? (store as VersionedKeyValueStore<K, V>) : undefined;
  }

  /** A window store by name; for windowed aggregations (timestamped) the values are given without timestamps. */
  getWindowStore<K, V>(name: string): WindowStore<K, V> | undefined {
    const store = this.getStateStore(name);
    if (store === undefined) return undefined;
    const builder = this.#topology.stateStore(name);
    if (builder instanceof WindowStoreBuilder && builder.timestamped) {
      return plainValueWindowStore(store as WindowStore<K, ValueAndTimestamp<V>>);
    }
    return store as WindowStore<K, V>;
  }

  getTimestampedWindowStore<K, V>(name: string): WindowStore<K, ValueAndTimestamp<V>> | undefined {
    return this.getStateStore(name) as WindowStore<K, ValueAndTimestamp<V>> | undefined;
  }

  getSessionStore<K, AGG>(name: string): SessionStore<K, AGG> | undefined {
    return this.getStateStore(name) as SessionStore<K, AGG> | undefined;
  }

  getAllStateStores(): Map<string, StateStore> {
    const all = new Map<string, StateStore>();
    for (const task of this.#tasks) for (const [name, store] of task.stores) all.set(name, store);
    for (const [name, store] of this.#global.stores) all.set(name, store);
    return all;
  }

  close(): void {
    if (this.#closed) return;
    for (const task of this.#tasks) {
      task.prepareCommit();
      task.close();
    }
    this.#global.close();
    this.#closed = true;
    rmSync(this.#stateDir, { recursive: true, force: true });
  }

  #processAndCommit(task: StreamTask, record: ConsumedRecord): void {
    task.process(record);
    task.maybePunctuateStreamTime();
    task.prepareCommit();
  }

  /** Feeds repartition output back in until nothing is pending. */
  #drain(): void {
    while (this.#pending.length > 0) {
      const record = this.#pending.shift()!;
      const task = this.#taskByTopic.get(record.topic);
      if (task === undefined) continue;
      const offset = this.#offsets.get(record.topic) ?? 0n;
      this.#offsets.set(record.topic, offset + 1n);
      this.#processAndCommit(task, { ...record, partition: 0, offset });
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new StreamsError('STREAMS_CLOSED', 'the TopologyTestDriver is closed');
  }
}
