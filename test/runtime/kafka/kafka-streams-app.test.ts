import { afterEach, describe, expect, it } from 'vitest';
import { KafkaStreamsApp, type KafkaStreamsOptions } from '../../../runtime/kafka/kafka-streams-app.ts';
import { RecordPartitioner } from '../../../runtime/record-partitioner.ts';
import type { StreamsConfigInput } from '../../../runtime/config.ts';
import type { Topology } from '../../../topology/topology.ts';
import { J, S } from '../../helpers/driver.ts';
import { createTopics, eventually, kafkaBrokers, kafkaFactory, produce, readTopic, testLogger, uniqueName } from '../../helpers/kafka.ts';
import { SECTORS, SYMBOLS, latestCounts, orders, ordersTopology, type Topics } from './topology-fixtures.ts';

const running: KafkaStreamsApp[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close({ timeoutMs: 20_000 })));
});

function instance(topology: Topology, config: Partial<StreamsConfigInput> & { applicationId: string }, kafka: Partial<KafkaStreamsOptions> = {}) {
  const app = new KafkaStreamsApp(topology, { commitIntervalMs: 200, logger: testLogger, ...config }, {
    brokers: kafkaBrokers(),
    sessionTimeoutMs: 6000,
    heartbeatIntervalMs: 500,
    shutdownOnSignals: false,
    ...kafka,
  });
  running.push(app);
  return app;
}

async function setUp(partitions = 4): Promise<Topics> {
  const topics = { orders: uniqueName('orders'), counts: uniqueName('counts'), sectors: uniqueName('sectors'), enriched: uniqueName('enriched') };
  await createTopics(
    { name: topics.orders, partitions },
    { name: topics.counts, partitions },
    { name: topics.sectors, partitions: 2 },
    { name: topics.enriched, partitions },
  );
  await produce(topics.sectors, 2, Object.entries(SECTORS).map(([symbol, sector]) => ({ key: symbol, value: S.serialize(sector), timestamp: 1 })));
  return topics;
}

/** Counts are complete when every symbol's latest count reaches `perSymbol`. */
async function countsReach(topics: Topics, perSymbol: number, partitions = 4) {
  return eventually(async () => {
    const counts = latestCounts(await readTopic(topics.counts, partitions));
    return SYMBOLS.every((s) => counts.get(s) === perSymbol) ? counts : undefined;
  }, 90_000, `counts of ${perSymbol} per symbol`);
}

describe('KafkaStreamsApp on a real broker', () => {
  it('counts through a repartition topic, joins a global table, and partitions like the Java client', async () => {
    const topics = await setUp();
    await produce(topics.orders, 4, orders(500));
    const appId = uniqueName('count-app');
    const app = instance(ordersTopology(topics), { applicationId: appId });
    const states: string[] = [];
    app.onStateChange((s) => states.push(s));
    await app.start();
    await app.waitForState('RUNNING');
    expect(app.activeTasks).toEqual(['0_0', '0_1', '0_2', '0_3', '1_0', '1_1', '1_2', '1_3']);

    await countsReach(topics, 100);
    const counts = await readTopic(topics.counts, 4);
    const partitioner = new RecordPartitioner();
    for (const r of counts) expect(r.partition).toBe(partitioner.partition(topics.counts, r.key, 4));

    const enriched = await eventually(async () => {
      const records = await readTopic(topics.enriched, 4);
      return records.length >= 500 ? records : undefined;
    });
    expect(enriched).toHaveLength(500);
    for (const r of enriched) {
      const value = J.deserialize(r.value) as { symbol: string; sector: string };
      expect(value.sector).toBe(SECTORS[value.symbol]);
      // The account key is kept, so each record lands where the Java client would put it.
      expect(r.partition).toBe(partitioner.partition(topics.enriched, r.key, 4));
    }

    const admin = kafkaFactory().admin();
    const internal = await admin.partitionCounts([`${appId}-by-symbol-changelog`, `${appId}-${'KSTREAM-REPARTITION'}`]);
    await admin.close();
    expect(internal.get(`${appId}-by-symbol-changelog`)).toBe(4);

    expect(await app.close()).toBe(true);
    expect(states).toEqual(['REBALANCING', 'RUNNING', 'PENDING_SHUTDOWN', 'NOT_RUNNING']);
  });
});
