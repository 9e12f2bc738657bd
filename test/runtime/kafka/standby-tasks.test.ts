import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IsolationLevel } from '../../../runtime/kafka/ports.ts';
import { eventually, kafkaFactory, produce, uniqueName } from '../../helpers/kafka.ts';
import { instances } from './instances.ts';
import { countsReach, orders, ordersTopology, setUpTopics } from './topology-fixtures.ts';

const instance = instances();
const dirs: string[] = [];
const stateDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'standby-test-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('standby replicas on a real broker', () => {
  for (const storeType of ['in-memory', 'rocksdb'] as const) {
    it(`keeps a copy of the other instance's ${storeType} stores, and takes over from it with nothing to restore`, async () => {
      const topics = await setUpTopics();
      await produce(topics.orders, 4, orders(500));
      const appId = uniqueName('standby-app');
      const config = { applicationId: appId, numStandbyReplicas: 1 };
      const a = instance(ordersTopology(topics, { enrich: false, storeType }), { ...config, stateDir: stateDir() });
      const b = instance(ordersTopology(topics, { enrich: false, storeType }), { ...config, stateDir: stateDir() });
      await a.start();
      await b.start();
      await eventually(() => (a.state === 'RUNNING' && b.state === 'RUNNING' && a.activeTasks.length === 4 && b.activeTasks.length === 4 ? true : undefined), 60_000, 'an even split');
      await countsReach(topics, 100);

      // Only the counting sub-topology (1) has state: each instance stands by for the other's tasks of it.
      const stateful = (tasks: string[]) => tasks.filter((t) => t.startsWith('1_')).sort();
      await eventually(() => (b.standbyTasks.join() === stateful(a.activeTasks).join() && a.standbyTasks.join() === stateful(b.activeTasks).join() ? true : undefined), 30_000, 'standbys on the other instance');
      expect(b.standbyTasks).toHaveLength(2);

      // b's copies catch up with the changelog a writes.
      const changelog = `${appId}-by-symbol-changelog`;
      const fetcher = kafkaFactory().fetcher('standby-test', IsolationLevel.READ_COMMITTED);
      try {
        await eventually(async () => {
          const ends = await fetcher.endOffsets([0, 1, 2, 3].map((partition) => ({ topic: changelog, partition })));
          const copies = b.standbyPositions();
          const all = copies.flatMap(({ positions }) => [...positions]);
          // Five symbols over four partitions: some copy may have an empty changelog partition, not all.
          return copies.length === 2 && all.every(([key, offset]) => ends.get(key) === offset) && all.some(([, offset]) => offset > 0n) ? true : undefined;
        }, 30_000, 'standby copies at the changelog end');
      } finally {
        await fetcher.close();
      }

      const restoredBefore = b.restoredRecords;
      expect(await a.close()).toBe(true);
      await eventually(() => (b.state === 'RUNNING' && b.activeTasks.length === 8 ? true : undefined), 60_000, 'all tasks on b');
      // The promoted standbys were current: no changelog record had to be read again.
      expect(b.restoredRecords - restoredBefore).toBe(0);
      await produce(topics.orders, 4, orders(500, 1_000, 500));
      // 200 per symbol only if the promoted copies held a's counts.
      await countsReach(topics, 200);
    });
  }
});
