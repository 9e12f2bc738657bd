import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { J } from '../../helpers/driver.ts';
import { eventually, produce, readTopic, uniqueName } from '../../helpers/kafka.ts';
import { instances } from './instances.ts';
import { countsReach, orders, ordersTopology, setUpTopics } from './topology-fixtures.ts';

const instance = instances();
const dirs: string[] = [];
const stateDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebalance-test-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('cooperative rebalancing on a real broker', () => {
  it('keeps processing the tasks that stay while a member joins, and hands the others over without loss or repeats', async () => {
    const topics = await setUpTopics();
    const appId = uniqueName('coop-app');
    const a = instance(ordersTopology(topics), { applicationId: appId, stateDir: stateDir() });
    await a.start();
    await a.waitForState('RUNNING');
    expect(a.activeTasks).toHaveLength(8);

    // A steady flow of orders for the whole test.
    let sent = 0;
    let flowing = true;
    const flow = (async () => {
      while (flowing) {
        await produce(topics.orders, 4, orders(50, 1_000, sent));
        sent += 50;
        await new Promise((r) => setTimeout(r, 40));
      }
    })();
    await eventually(() => (a.processedRecords > 200 ? true : undefined), 30_000, 'a processing the flow');

    // Sample a while the group rebalances: with cooperative rebalancing its kept tasks go on processing.
    const samples: Array<{ state: string; processed: number; tasks: string[] }> = [];
    const sampler = setInterval(() => samples.push({ state: a.state, processed: a.processedRecords, tasks: a.activeTasks }), 10);
    const b = instance(ordersTopology(topics), { applicationId: appId, stateDir: stateDir() });
    await b.start();
    const split = await eventually(() => {
      const [ta, tb] = [a.activeTasks, b.activeTasks];
      return a.state === 'RUNNING' && b.state === 'RUNNING' && ta.length === 4 && tb.length === 4 && new Set([...ta, ...tb]).size === 8 ? { ta, tb } : undefined;
    }, 60_000, 'an even split of the 8 tasks');
    clearInterval(sampler);
    flowing = false;
    await flow;

    const rebalancing = samples.filter((s) => s.state === 'REBALANCING');
    expect(rebalancing.length).toBeGreaterThan(1);
    // Records were processed between two samples taken while a rebalance was under way.
    expect(rebalancing[rebalancing.length - 1].processed).toBeGreaterThan(rebalancing[0].processed);
    // The tasks a keeps never left it: present in every sample.
    for (const s of samples) for (const t of split.ta) expect(s.tasks).toContain(t);

    const perSymbol = sent / 5;
    await countsReach(topics, perSymbol);
    const enriched = await eventually(async () => {
      const records = await readTopic(topics.enriched, 4);
      return records.length >= sent ? records : undefined;
    }, 60_000, `${sent} enriched orders`);
    // at_least_once with a clean two-step hand-over: nothing lost, nothing repeated.
    const seqs = enriched.map((r) => (J.deserialize(r.value) as { seq: number }).seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: sent }, (_, i) => i));
  });
});
