import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../../common/logger.ts';
import type { ProcessingGuarantee } from '../../../runtime/config.ts';
import { KafkaStreamsApp } from '../../../runtime/kafka/kafka-streams-app.ts';
import { Consumed, Produced } from '../../../topology/options.ts';
import { StreamsBuilder } from '../../../topology/streams-builder.ts';
import { J, L, S } from '../../helpers/driver.ts';
import { createTopics, eventually, kafkaBrokers, produce, readTopic, uniqueName } from '../../helpers/kafka.ts';

const dirs: string[] = [];
const running: KafkaStreamsApp[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close({ timeoutMs: 20_000 })));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const KEYS = 20;

/** What the instance's restorations reported: records applied, and how many changelog partitions started at a checkpoint. */
function restoreLog(): { logger: Logger; restores: Array<{ records: number; fromCheckpoint: number }> } {
  const restores: Array<{ records: number; fromCheckpoint: number }> = [];
  const logger: Logger = {
    debug() {},
    info(fields: { records?: number; fromCheckpoint?: number }, message?: string) {
      if (message === 'restored state stores') restores.push({ records: fields.records!, fromCheckpoint: fields.fromCheckpoint! });
    },
    warn() {},
    error() {},
    child: () => logger,
  };
  return { logger, restores };
}

function setUp() {
  const topics = { input: uniqueName('cp-in'), counts: uniqueName('cp-counts') };
  const applicationId = uniqueName('cp-app');
  const instance = (stateDir: string, guarantee: ProcessingGuarantee = 'at_least_once') => {
    const b = new StreamsBuilder({ defaultStoreType: 'rocksdb' });
    b.stream<string, { n: number }>(topics.input, Consumed.with(S, J)).groupByKey().count({ storeName: 'per-key' }).toStream().to(topics.counts, Produced.with(S, L));
    const log = restoreLog();
    const app = new KafkaStreamsApp(
      b.build(),
      { applicationId, stateDir, logger: log.logger, cacheMaxBytes: 0, commitIntervalMs: 200, processingGuarantee: guarantee },
      { brokers: kafkaBrokers(), sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, shutdownOnSignals: false },
    );
    running.push(app);
    return { app, restores: log.restores };
  };
  const send = (from: number, count: number) =>
    produce(
      topics.input,
      2,
      Array.from({ length: count }, (_, i) => ({ key: `k${(from + i) % KEYS}`, value: J.serialize({ n: from + i })!, timestamp: Date.now() })),
    );
  const countsReach = (perKey: number) =>
    eventually(async () => {
      const latest = new Map<string, number>();
      for (const r of await readTopic(topics.counts, 2)) latest.set(S.deserialize(r.key)!, L.deserialize(r.value)!);
      return latest.size === KEYS && [...latest.values()].every((n) => n === perKey) ? latest : undefined;
    }, 60_000, `${perKey} per key`);
  const stateDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'cp-state-'));
    dirs.push(dir);
    return dir;
  };
  /** Creates the topics, then runs a first instance on a fresh state directory until every key counted `perKey`. */
  const firstRun = async (perKey: number, guarantee: ProcessingGuarantee = 'at_least_once') => {
    await createTopics({ name: topics.input, partitions: 2 }, { name: topics.counts, partitions: 2 });
    const mine = stateDir();
    const first = instance(mine, guarantee);
    await first.app.start();
    await send(0, perKey * KEYS);
    await countsReach(perKey);
    return { mine, first };
  };
  return { topics, applicationId, instance, send, countsReach, stateDir, firstRun };
}

const storeValues = (app: KafkaStreamsApp) => Object.fromEntries(app.store<string, number>('per-key').all().map((kv) => [kv.key, kv.value]));

describe('local checkpoints', () => {
  it('a clean restart restores only the changelog tail written since its checkpoint', async () => {
    const t = setUp();
    const { mine, first } = await t.firstRun(10);
    // at_least_once writes them at each commit, not only at close.
    await eventually(() => (['0_0', '0_1'].every((task) => existsSync(join(mine, t.applicationId, task, '.checkpoint'))) ? true : undefined), 10_000, 'checkpoints while running');
    expect(await first.app.close()).toBe(true);
    for (const task of ['0_0', '0_1']) expect(existsSync(join(mine, t.applicationId, task, '.checkpoint'))).toBe(true);

    // Another machine takes over and writes 5 more per key to the changelog.
    const other = t.instance(t.stateDir());
    await other.app.start();
    await other.app.waitForState('RUNNING');
    expect(other.restores.reduce((n, r) => n + r.records, 0)).toBe(10 * KEYS);
    await t.send(10 * KEYS, 5 * KEYS);
    await t.countsReach(15);
    expect(await other.app.close()).toBe(true);

    // Back on the first machine: only the other's 5 per key come from the changelog.
    const again = t.instance(mine);
    await again.app.start();
    await again.app.waitForState('RUNNING');
    expect(again.restores.reduce((n, r) => n + r.records, 0)).toBe(5 * KEYS);
    expect(again.restores.reduce((n, r) => n + r.fromCheckpoint, 0)).toBe(2);
    expect(storeValues(again.app)).toEqual(Object.fromEntries(Array.from({ length: KEYS }, (_, i) => [`k${i}`, 15])));
    await t.send(15 * KEYS, KEYS);
    await t.countsReach(16);
  });

  it('a wiped state directory restores the whole changelog, with the same results', async () => {
    const t = setUp();
    const { mine, first } = await t.firstRun(10);
    const before = storeValues(first.app);
    expect(await first.app.close()).toBe(true);

    rmSync(join(mine, t.applicationId), { recursive: true, force: true });
    const again = t.instance(mine);
    await again.app.start();
    await again.app.waitForState('RUNNING');
    // No checkpoint, no local copy: every changelog record is read again (cache off: one per update).
    expect(again.restores.reduce((n, r) => n + r.fromCheckpoint, 0)).toBe(0);
    expect(again.restores.reduce((n, r) => n + r.records, 0)).toBe(10 * KEYS);
    expect(storeValues(again.app)).toEqual(before);
    await t.send(10 * KEYS, KEYS);
    await t.countsReach(11);
  });

  it('a checkpoint past the changelog end (the changelog was recreated) is ignored: full restore', async () => {
    const t = setUp();
    const { mine, first } = await t.firstRun(4);
    await first.app.close();
    const file = join(mine, t.applicationId, '0_0', '.checkpoint');
    const checkpoint = JSON.parse(readFileSync(file, 'utf8')) as { stores: Record<string, { offset: string }> };
    checkpoint.stores['per-key'].offset = '1000000';
    writeFileSync(file, JSON.stringify(checkpoint));

    const again = t.instance(mine);
    await again.app.start();
    await again.app.waitForState('RUNNING');
    // Task 0_1's checkpoint still holds (nothing to restore); 0_0 restores its whole changelog partition.
    expect(again.restores.reduce((n, r) => n + r.fromCheckpoint, 0)).toBe(1);
    expect(again.restores.reduce((n, r) => n + r.records, 0)).toBeGreaterThan(0);
    expect(storeValues(again.app)).toEqual(Object.fromEntries(Array.from({ length: KEYS }, (_, i) => [`k${i}`, 4])));
  });

  it('exactly_once_v2 keeps no checkpoint while running (a crash leaves none) and writes one at a clean close', async () => {
    const t = setUp();
    const { mine, first } = await t.firstRun(3, 'exactly_once_v2');
    const files = ['0_0', '0_1'].map((task) => join(mine, t.applicationId, task, '.checkpoint'));
    expect(files.map(existsSync)).toEqual([false, false]);
    await first.app.close();
    expect(files.map(existsSync)).toEqual([true, true]);

    const again = t.instance(mine, 'exactly_once_v2');
    await again.app.start();
    await again.app.waitForState('RUNNING');
    expect(again.restores.reduce((n, r) => n + r.records, 0)).toBe(0);
    // Read at start, then removed: from here a crash means a full restore.
    expect(files.map(existsSync)).toEqual([false, false]);
    expect(storeValues(again.app)).toEqual(Object.fromEntries(Array.from({ length: KEYS }, (_, i) => [`k${i}`, 3])));
  });
});
