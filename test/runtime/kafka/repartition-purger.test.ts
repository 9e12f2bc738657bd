import { describe, expect, it } from 'vitest';
import { consoleLogger } from '../../../common/logger.ts';
import { IsolationLevel, type PartitionOffset, type TopicAdmin } from '../../../runtime/kafka/ports.ts';
import { RepartitionPurger } from '../../../runtime/kafka/repartition-purger.ts';
import { eventually, kafkaFactory, produce, uniqueName } from '../../helpers/kafka.ts';
import { instances } from './instances.ts';
import { countsReach, orders, ordersTopology, setUpTopics } from './topology-fixtures.ts';

const instance = instances();

function recordingAdmin(): TopicAdmin & { calls: PartitionOffset[][] } {
  const calls: PartitionOffset[][] = [];
  return {
    calls,
    createTopics: async () => {},
    partitionCounts: async () => new Map(),
    deleteTopics: async () => {},
    deleteRecords: async (before) => {
      calls.push([...before]);
    },
    close: async () => {},
  };
}

describe('RepartitionPurger', () => {
  it('deletes below committed offsets of repartition topics only, once per interval, never the same offset twice', async () => {
    let now = 0;
    const admin = recordingAdmin();
    const purger = new RepartitionPurger(admin, new Set(['app-x-repartition']), 1000, { now: () => now }, consoleLogger('silent'));
    const committed = [
      { topic: 'app-x-repartition', partition: 0, offset: 10n },
      { topic: 'orders', partition: 0, offset: 99n },
    ];
    purger.maybePurge(committed);
    expect(admin.calls).toEqual([]); // not due yet
    now = 1000;
    purger.maybePurge(committed);
    await purger.idle();
    expect(admin.calls).toEqual([[{ topic: 'app-x-repartition', partition: 0, offset: 10n }]]);
    now = 2000;
    purger.maybePurge(committed);
    await purger.idle();
    expect(admin.calls).toHaveLength(1); // nothing new below
    now = 3000;
    purger.maybePurge([{ topic: 'app-x-repartition', partition: 0, offset: 25n }]);
    await purger.idle();
    expect(admin.calls[1]).toEqual([{ topic: 'app-x-repartition', partition: 0, offset: 25n }]);
  });

  it('on the broker: consumed records of the repartition topic are deleted, and the counts stay right', async () => {
    const topics = await setUpTopics(2);
    await produce(topics.orders, 2, orders(500));
    const appId = uniqueName('purge-app');
    const app = instance(ordersTopology(topics, { enrich: false }), { applicationId: appId }, { repartitionPurgeIntervalMs: 0 });
    await app.start();
    await countsReach(topics, 100, 2);
    const repartition = ordersTopology(topics).internalTopics().map((t) => `${appId}-${t.name}`)[0];
    const fetcher = kafkaFactory().fetcher('purge-test', IsolationLevel.READ_COMMITTED);
    try {
      const partitions = [0, 1].map((partition) => ({ topic: repartition, partition }));
      // The log start moves up to what was committed: every partition purged of its consumed records.
      const starts = await eventually(async () => {
        const [begin, end] = await Promise.all([fetcher.beginningOffsets(partitions), fetcher.endOffsets(partitions)]);
        return partitions.every((tp) => {
          const key = `${tp.topic}:${tp.partition}`;
          return (end.get(key) ?? 0n) > 0n && begin.get(key) === end.get(key);
        })
          ? begin
          : undefined;
      }, 30_000, 'repartition partitions purged to their end');
      expect([...starts.values()].reduce((a, b) => a + b, 0n)).toBe(500n);
    } finally {
      await fetcher.close();
    }
    await produce(topics.orders, 2, orders(500, 1_000, 500));
    await countsReach(topics, 200, 2);
  });
});
