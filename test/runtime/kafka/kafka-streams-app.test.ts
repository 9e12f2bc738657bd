import { describe, expect, it } from 'vitest';
import { RecordPartitioner } from '../../../runtime/record-partitioner.ts';
import { J } from '../../helpers/driver.ts';
import { eventually, kafkaFactory, produce, readTopic, uniqueName } from '../../helpers/kafka.ts';
import { instances } from './instances.ts';
import { countsReach, SECTORS, SYMBOLS, orders, ordersTopology, setUpTopics } from './topology-fixtures.ts';

const instance = instances();

describe('KafkaStreamsApp on a real broker', () => {
  it('counts through a repartition topic, joins a global table, and partitions like the Java client', async () => {
    const topics = await setUpTopics();
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

    const topology = ordersTopology(topics);
    const repartition = topology.internalTopics().map((t) => `${appId}-${t.name}`);
    const admin = kafkaFactory().admin();
    const internal = await admin.partitionCounts([`${appId}-by-symbol-changelog`, ...repartition]);
    await admin.close();
    expect(repartition).toHaveLength(1);
    expect(internal.get(repartition[0])).toBe(4);
    expect(internal.get(`${appId}-by-symbol-changelog`)).toBe(4);

    expect(await app.close()).toBe(true);
    expect(states).toEqual(['REBALANCING', 'RUNNING', 'PENDING_SHUTDOWN', 'NOT_RUNNING']);
  });

  it('shares the tasks between two instances; when one stops, its tasks and their state move', async () => {
    const topics = await setUpTopics();
    await produce(topics.orders, 4, orders(500));
    const appId = uniqueName('shared-app');
    const a = instance(ordersTopology(topics), { applicationId: appId });
    const b = instance(ordersTopology(topics), { applicationId: appId });
    await a.start();
    await b.start();
    const split = await eventually(() => {
      const [ta, tb] = [a.activeTasks, b.activeTasks];
      const union = new Set([...ta, ...tb]);
      return a.state === 'RUNNING' && b.state === 'RUNNING' && ta.length === 4 && tb.length === 4 && union.size === 8 ? { ta, tb } : undefined;
    }, 60_000, 'an even split of the 8 tasks');
    // Co-partitioning: a task takes the same partition of every source topic of its sub-topology.
    expect(split.ta.filter((t) => t.startsWith('0_')).length + split.tb.filter((t) => t.startsWith('0_')).length).toBe(4);
    await countsReach(topics, 100);

    expect(await a.close()).toBe(true);
    await eventually(() => (b.state === 'RUNNING' && b.activeTasks.length === 8 ? true : undefined), 60_000, 'all tasks on the remaining instance');
    await produce(topics.orders, 4, orders(500, 1_000, 500));
    // 200 per symbol only if the counts of the first 500 orders moved with the tasks (restored from the changelog).
    await countsReach(topics, 200);
    const enriched = await eventually(async () => {
      const records = await readTopic(topics.enriched, 4);
      return records.length >= 1000 ? records : undefined;
    });
    // at_least_once after a clean handover: nothing lost, nothing repeated.
    const seqs = enriched.map((r) => (J.deserialize(r.value) as { seq: number }).seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('spreads the tasks over three instances; when one stops, the other two share its tasks, results complete', async () => {
    const topics = await setUpTopics(6);
    await produce(topics.orders, 6, orders(600));
    const appId = uniqueName('three-app');
    const apps = [0, 1, 2].map(() => instance(ordersTopology(topics), { applicationId: appId }));
    for (const app of apps) await app.start();
    await eventually(() => {
      const counts = apps.map((a) => a.activeTasks.length);
      const union = new Set(apps.flatMap((a) => a.activeTasks));
      return apps.every((a) => a.state === 'RUNNING') && counts.every((n) => n === 4) && union.size === 12 ? true : undefined;
    }, 90_000, 'the 12 tasks spread 4/4/4');
    await countsReach(topics, 120, 6);

    expect(await apps[0].close()).toBe(true);
    const rest = apps.slice(1);
    await eventually(() => (rest.every((a) => a.state === 'RUNNING' && a.activeTasks.length === 6) && new Set(rest.flatMap((a) => a.activeTasks)).size === 12 ? true : undefined), 90_000, 'the 12 tasks spread 6/6');
    await produce(topics.orders, 6, orders(600, 1_000, 600));
    await countsReach(topics, 240, 6);
    const enriched = await eventually(async () => {
      const records = await readTopic(topics.enriched, 6);
      return records.length >= 1200 ? records : undefined;
    }, 60_000, '1200 enriched orders');
    const seqs = enriched.map((r) => (J.deserialize(r.value) as { seq: number }).seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 1200 }, (_, i) => i));
  });

  it('restores its stores from the changelog when restarted', async () => {
    const topics = await setUpTopics(2);
    await produce(topics.orders, 2, orders(250));
    const appId = uniqueName('restart-app');
    const first = instance(ordersTopology(topics, { enrich: false }), { applicationId: appId });
    await first.start();
    await countsReach(topics, 50, 2);
    await first.close();

    const second = instance(ordersTopology(topics, { enrich: false }), { applicationId: appId });
    await second.start();
    await second.waitForState('RUNNING');
    // Before any new input, the restored store already holds the counts.
    const restored = new Map<string, number>();
    for (const { stores } of second.taskStores()) {
      const store = stores.get('by-symbol') as unknown as { get(k: string): { value: number } | number | undefined } | undefined;
      for (const s of SYMBOLS) {
        const v = store?.get(s);
        if (v !== undefined) restored.set(s, typeof v === 'number' ? v : v.value);
      }
    }
    expect(Object.fromEntries(restored)).toEqual(Object.fromEntries(SYMBOLS.map((s) => [s, 50])));
    await produce(topics.orders, 2, orders(250, 1_000, 250));
    await countsReach(topics, 100, 2);
  });
});
