// A broker bounced under a running instance: its own single-node broker (the shared one serves the other test
// files), stopped hard and started again on the same ports and data while the instance runs. Kafka Streams
// rides this out on client retries; so must we, with nothing lost (at_least_once) or nothing repeated
// in the committed output (exactly_once_v2).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../../scripts/kafka/broker.ts';
import { KafkaStreamsApp } from '../../../runtime/kafka/kafka-streams-app.ts';
import { PlatformaticKafkaFactory } from '../../../runtime/kafka/kafka-adapter.ts';
import { J, L, S } from '../../helpers/driver.ts';
import { eventually, testLogger, uniqueName } from '../../helpers/kafka.ts';
import { Consumed, Produced } from '../../../topology/options.ts';
import { StreamsBuilder } from '../../../topology/streams-builder.ts';
import { IsolationLevel } from '../../../runtime/kafka/ports.ts';
import { RecordPartitioner } from '../../../runtime/record-partitioner.ts';

let broker: RunningBroker;
const dirs: string[] = [];
beforeAll(async () => {
  broker = await startBroker();
}, 120_000);
afterAll(async () => {
  await broker?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const KEYS = 10;

async function send(factory: PlatformaticKafkaFactory, topic: string, from: number, count: number) {
  const partitioner = new RecordPartitioner();
  const producer = factory.producer();
  try {
    await producer.send(
      Array.from({ length: count }, (_, j) => {
        const i = from + j;
        const key = S.serialize(`k${i % KEYS}`)!;
        return { topic, partition: partitioner.partition(topic, key, 2), key, value: J.serialize({ seq: i })!, timestamp: Date.now(), headers: {} };
      }),
    );
  } finally {
    await producer.close();
  }
}

async function latestCounts(factory: PlatformaticKafkaFactory, topic: string): Promise<Map<string, number[]>> {
  const fetcher = factory.fetcher('bounce-verify', IsolationLevel.READ_COMMITTED);
  const out = new Map<string, number[]>();
  try {
    const partitions = [0, 1].map((partition) => ({ topic, partition }));
    const ends = await fetcher.endOffsets(partitions);
    for (const tp of partitions) {
      let offset = 0n;
      const end = ends.get(`${topic}:${tp.partition}`) ?? 0n;
      while (offset < end) {
        const [r] = await fetcher.fetch([{ ...tp, offset }], { maxWaitMs: 100 });
        for (const rec of r.records) {
          const key = S.deserialize(rec.key)!;
          out.set(key, [...(out.get(key) ?? []), L.deserialize(rec.value)!]);
        }
        if (r.nextOffset <= offset) break;
        offset = r.nextOffset;
      }
    }
  } finally {
    await fetcher.close();
  }
  return out;
}

describe('a broker bounced under a running instance', () => {
  for (const guarantee of ['at_least_once', 'exactly_once_v2'] as const) {
    it(`${guarantee}: the instance rides out a hard broker restart and its results are complete`, async () => {
      const factory = new PlatformaticKafkaFactory({ brokers: broker.brokers, clientId: 'bounce-test' });
      const input = uniqueName('bounce-in');
      const counts = uniqueName('bounce-counts');
      const admin = factory.admin();
      await admin.createTopics([
        { name: input, partitions: 2 },
        { name: counts, partitions: 2 },
      ]);
      await admin.close();
      const b = new StreamsBuilder({ defaultStoreType: 'rocksdb' });
      b.stream<string, { seq: number }>(input, Consumed.with(S, J)).groupByKey().count({ storeName: 'per-key' }).toStream().to(counts, Produced.with(S, L));
      const stateDir = mkdtempSync(join(tmpdir(), 'bounce-'));
      dirs.push(stateDir);
      const app = new KafkaStreamsApp(
        b.build(),
        { applicationId: uniqueName('bounce-app'), stateDir, logger: testLogger, commitIntervalMs: 200, cacheMaxBytes: 0, processingGuarantee: guarantee },
        { brokers: broker.brokers, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000, shutdownOnSignals: false },
      );
      const states: string[] = [];
      app.onStateChange((s) => states.push(s));
      try {
        await app.start();
        await app.waitForState('RUNNING');
        await send(factory, input, 0, 10 * KEYS);
        const reached = (n: number) => async () => {
          const c = await latestCounts(factory, counts);
          return c.size === KEYS && [...c.values()].every((l) => Math.max(...l) === n) ? c : undefined;
        };
        await eventually(reached(10), 60_000, '10 per key before the bounce');

        await broker.restart('SIGKILL', 1000);
        await send(factory, input, 10 * KEYS, 10 * KEYS);
        const after = await eventually(reached(20), 120_000, '20 per key after the bounce');
        expect(states).not.toContain('ERROR');
        expect(app.state).not.toBe('ERROR');
        if (guarantee === 'exactly_once_v2') {
          // Every count update exactly once: 1, 2, … 20 per key.
          for (const list of after.values()) expect(list).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        }
      } finally {
        await app.close({ timeoutMs: 20_000 });
      }
    });
  }
});
