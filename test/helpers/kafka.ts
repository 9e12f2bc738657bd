// Fixtures for tests against the real broker: its address, unique names, topic creation, producing keyed
// records partitioned like the Java client, reading a topic back in full, and polling until a condition holds.

import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { consoleLogger } from '../../common/logger.ts';
import type { ConsumedRecord } from '../../common/record.ts';
import { PlatformaticKafkaFactory } from '../../runtime/kafka/kafka-adapter.ts';
import { IsolationLevel, type OutgoingRecord, type TopicSpec } from '../../runtime/kafka/ports.ts';
import { RecordPartitioner } from '../../runtime/record-partitioner.ts';

export function kafkaBrokers(): string[] {
  return inject('kafkaBrokers');
}

export function kafkaFactory(clientId = 'test'): PlatformaticKafkaFactory {
  return new PlatformaticKafkaFactory({ brokers: kafkaBrokers(), clientId });
}

/** A name no other test (or earlier run against the same broker) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Quiet unless RISK_STREAMS_LOG names a level. */
export const testLogger = consoleLogger((process.env.RISK_STREAMS_LOG as 'debug' | 'info' | 'warn' | undefined) ?? 'silent');

export async function createTopics(...specs: TopicSpec[]): Promise<void> {
  const admin = kafkaFactory('test-admin').admin();
  try {
    await admin.createTopics(specs);
  } finally {
    await admin.close();
  }
}

export interface TestRecord {
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
}

/** Produces records, partitioned by murmur2 of the key as the Java client would. */
export async function produce(topic: string, partitions: number, records: readonly TestRecord[]): Promise<void> {
  const partitioner = new RecordPartitioner();
  const producer = kafkaFactory('test-producer').producer();
  try {
    const out: OutgoingRecord[] = records.map((r) => {
      const key = r.key === null ? null : Buffer.from(r.key);
      return { topic, partition: partitioner.partition(topic, key, partitions), key, value: r.value, timestamp: r.timestamp, headers: {} };
    });
    for (let i = 0; i < out.length; i += 5000) await producer.send(out.slice(i, i + 5000));
  } finally {
    await producer.close();
  }
}

/** Every readable record of a topic, all partitions, from the beginning to the current end. */
export async function readTopic(topic: string, partitions: number, isolation: IsolationLevel = IsolationLevel.READ_COMMITTED): Promise<ConsumedRecord[]> {
  const fetcher = kafkaFactory('test-reader').fetcher(`reader-${randomUUID().slice(0, 6)}`, isolation);
  try {
    const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
    const [starts, ends] = await Promise.all([fetcher.beginningOffsets(tps), fetcher.endOffsets(tps)]);
    const position = new Map(tps.map((tp) => [tp.partition, starts.get(`${topic}:${tp.partition}`) ?? 0n]));
    const out: ConsumedRecord[] = [];
    const behind = () => tps.filter((tp) => position.get(tp.partition)! < (ends.get(`${topic}:${tp.partition}`) ?? 0n));
    for (let pending = behind(); pending.length > 0; pending = behind()) {
      const results = await fetcher.fetch(
        pending.map((tp) => ({ ...tp, offset: position.get(tp.partition)! })),
        { maxWaitMs: 100 },
      );
      for (const r of results) {
        if (r.error !== null) continue;
        out.push(...r.records);
        position.set(r.partition, r.nextOffset);
      }
    }
    return out;
  } finally {
    await fetcher.close();
  }
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} not reached within ${timeoutMs} ms`, { cause: last });
}
