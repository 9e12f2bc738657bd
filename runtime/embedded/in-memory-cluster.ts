// An in-process stand-in for a Kafka cluster: partitioned append-only topic logs with offsets,
// committed offsets per group, and compaction-free retention. The embedded runtime, `npm start`
// and the offline replay run on it through the same ports as the Kafka adapter.

import { StreamsError } from '../../common/errors.ts';
import type { ConsumedRecord, Headers } from '../../common/record.ts';

export interface TopicSpec {
  readonly partitions: number;
  readonly config?: Readonly<Record<string, string>>;
}

interface Topic {
  readonly name: string;
  readonly partitions: ConsumedRecord[][];
  readonly config: Readonly<Record<string, string>>;
}

export class InMemoryCluster {
  readonly #topics = new Map<string, Topic>();
  readonly #committed = new Map<string, Map<string, bigint>>(); // group → "topic:partition" → offset
  readonly #listeners = new Set<(topic: string) => void>();
  readonly defaultPartitions: number;

  constructor(options: { defaultPartitions?: number } = {}) {
    this.defaultPartitions = options.defaultPartitions ?? 1;
  }

  createTopic(name: string, spec: TopicSpec = { partitions: this.defaultPartitions }): void {
    const existing = this.#topics.get(name);
    if (existing !== undefined) {
      if (existing.partitions.length !== spec.partitions) {
        throw new StreamsError(
          'STREAMS_TOPIC_EXISTS',
          `topic ${name} exists with ${existing.partitions.length} partitions, not ${spec.partitions}`,
        );
      }
      return;
    }
    if (!(spec.partitions >= 1)) throw new StreamsError('STREAMS_TOPIC_CONFIG', `topic ${name}: partitions must be ≥ 1`);
    this.#topics.set(name, {
      name,
      partitions: Array.from({ length: spec.partitions }, () => []),
      config: spec.config ?? {},
    });
  }

  hasTopic(name: string): boolean {
    return this.#topics.has(name);
  }

  topicNames(): string[] {
    return [...this.#topics.keys()];
  }

  topicConfig(name: string): Readonly<Record<string, string>> {
    return this.#topic(name).config;
  }

  partitionsFor(name: string): number {
    if (!this.#topics.has(name)) this.createTopic(name);
    return this.#topic(name).partitions.length;
  }

  append(record: {
    topic: string;
    partition: number;
    key: Buffer | null;
    value: Buffer | null;
    timestamp: number;
    headers: Headers;
  }): bigint {
    if (!this.#topics.has(record.topic)) this.createTopic(record.topic);
    const log = this.#topic(record.topic).partitions[record.partition];
    if (log === undefined) {
      throw new StreamsError('STREAMS_UNKNOWN_PARTITION', `topic ${record.topic} has no partition ${record.partition}`);
    }
    const offset = BigInt(log.length);
    log.push({ ...record, offset });
    for (const listener of this.#listeners) listener(record.topic);
    return offset;
  }

  /** Records of one partition from `offset`, at most `max`. */
  read(topic: string, partition: number, offset: bigint, max = 1000): ConsumedRecord[] {
    const log = this.#topic(topic).partitions[partition];
    const start = Number(offset);
    return log.slice(start, start + max);
  }

  endOffset(topic: string, partition: number): bigint {
    return BigInt(this.#topic(topic).partitions[partition].length);
  }

  commit(group: string, offsets: ReadonlyArray<{ topic: string; partition: number; offset: bigint }>): void {
    let map = this.#committed.get(group);
    if (map === undefined) this.#committed.set(group, (map = new Map()));
    for (const o of offsets) map.set(`${o.topic}:${o.partition}`, o.offset);
  }

  committed(group: string, topic: string, partition: number): bigint | undefined {
    return this.#committed.get(group)?.get(`${topic}:${partition}`);
  }

  /** Called after every append (the embedded loop uses it to wake up). */
  onAppend(listener: (topic: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #topic(name: string): Topic {
    const topic = this.#topics.get(name);
    if (topic === undefined) throw new StreamsError('STREAMS_UNKNOWN_TOPIC', `unknown topic ${name}`);
    return topic;
  }
}
