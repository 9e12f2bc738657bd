import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaStreamsApp } from '../../../runtime/kafka/kafka-streams-app.ts';
import { Consumed, Produced } from '../../../topology/options.ts';
import { StreamsBuilder } from '../../../topology/streams-builder.ts';
import { J, L, S } from '../../helpers/driver.ts';
import { createTopics, eventually, kafkaBrokers, produce, readTopic, testLogger, uniqueName } from '../../helpers/kafka.ts';

const running: KafkaStreamsApp[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close({ timeoutMs: 20_000 })));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('static membership', () => {
  it('a member restarted within the session timeout gets its tasks back without rebalancing the others', async () => {
    const topics = { input: uniqueName('static-in'), counts: uniqueName('static-counts') };
    await createTopics({ name: topics.input, partitions: 4 }, { name: topics.counts, partitions: 4 });
    const applicationId = uniqueName('static-app');
    const instance = (groupInstanceId: string, stateDir: string) => {
      const b = new StreamsBuilder({ defaultStoreType: 'rocksdb' });
      b.stream<string, { n: number }>(topics.input, Consumed.with(S, J)).groupByKey().count({ storeName: 'per-key' }).toStream().to(topics.counts, Produced.with(S, L));
      const app = new KafkaStreamsApp(
        b.build(),
        { applicationId, stateDir, logger: testLogger, cacheMaxBytes: 0, commitIntervalMs: 200 },
        { brokers: kafkaBrokers(), groupInstanceId, sessionTimeoutMs: 20_000, heartbeatIntervalMs: 500, shutdownOnSignals: false },
      );
      running.push(app);
      return app;
    };
    const dirA = mkdtempSync(join(tmpdir(), 'static-a-'));
    const dirB = mkdtempSync(join(tmpdir(), 'static-b-'));
    dirs.push(dirA, dirB);
    const a = instance('member-a', dirA);
    const b = instance('member-b', dirB);
    await a.start();
    await b.start();
    const before = await eventually(
      () => (a.state === 'RUNNING' && b.state === 'RUNNING' && a.activeTasks.length === 2 && b.activeTasks.length === 2 ? { a: a.activeTasks, b: b.activeTasks } : undefined),
      60_000,
      'two tasks each',
    );
    await produce(topics.input, 4, Array.from({ length: 200 }, (_, i) => ({ key: `k${i % 10}`, value: J.serialize({ n: i })!, timestamp: Date.now() })));
    await eventually(async () => ((await readTopic(topics.counts, 4)).length >= 200 ? true : undefined));

    const bStates: string[] = [];
    b.onStateChange((next) => bStates.push(next));
    expect(await a.close()).toBe(true);
    const again = instance('member-a', dirA);
    await again.start();
    await again.waitForState('RUNNING');
    expect(again.activeTasks).toEqual(before.a);
    // B never stopped for a rebalance: A's close did not leave the group and its return was no new member.
    await produce(topics.input, 4, Array.from({ length: 40 }, (_, i) => ({ key: `k${i % 10}`, value: J.serialize({ n: i })!, timestamp: Date.now() })));
    await eventually(async () => {
      const latest = new Map<string, number>();
      for (const r of await readTopic(topics.counts, 4)) latest.set(S.deserialize(r.key)!, L.deserialize(r.value)!);
      return [...latest.values()].every((n) => n === 24) && latest.size === 10 ? true : undefined;
    }, 60_000, 'counts of 24 per key');
    expect(bStates).toEqual([]);
    expect(b.activeTasks).toEqual(before.b);
  });
});
