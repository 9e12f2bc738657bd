// The risk apps on the real broker. The contract fixes the topic names, so every test here shares them (with
// each other, and with earlier runs against the same broker): each starts its apps under fresh application
// ids, empties the kill-switch table with tombstones, and reads only what it produced. One file, so the tests
// run one after another.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentKey, createContractTopics, KafkaPipeline, replayOrder } from '../../../apps/cli/kafka-pipeline.ts';
import { defaultRiskConfig } from '../../../apps/config.ts';
import { generateScenario } from '../../../apps/generator/scenario.ts';
import { createPipeline, producedRecords, runPipeline } from '../../../apps/pipeline.ts';
import { KafkaConsoleBackend } from '../../../apps/console/kafka-backend.ts';
import { appNamed } from '../../../apps/registry.ts';
import type { CashTxn, Fill, KillState, Order, RouterAudit } from '../../../apps/schemas/records.ts';
import { Topics } from '../../../apps/schemas/topics.ts';
import type { FileRecord } from '../../../runtime/replay/record-files.ts';
import { eventually, kafkaBrokers, produce, readTopic, testLogger, uniqueName } from '../../helpers/kafka.ts';

const PARTITIONS = 3;
let stateDir: string;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'risk-pipeline-'));
  await createContractTopics({ brokers: kafkaBrokers() }, PARTITIONS);
});
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

/** Tombstones every scope of killswitch.state.v1, so a router started now loads an empty table. */
async function clearKillSwitchState(): Promise<void> {
  const latest = new Map<string, boolean>();
  for (const r of await readTopic(Topics.KILLSWITCH_STATE, PARTITIONS)) latest.set(r.key!.toString(), r.value !== null);
  const live = [...latest].filter(([, present]) => present).map(([key]) => ({ key, value: null, timestamp: 0 }));
  await produce(Topics.KILLSWITCH_STATE, PARTITIONS, live);
}

function startPipeline(only?: string[], kafka: { autoOffsetReset?: 'earliest' | 'latest' } = {}) {
  return KafkaPipeline.start({
    connection: { brokers: kafkaBrokers() },
    config: defaultRiskConfig,
    stateDir,
    applicationIdPrefix: `${uniqueName('t')}-`,
    logger: testLogger,
    // Short intervals: the feed waits for the pipeline to come to rest a few hundred times.
    commitIntervalMs: 20,
    kafka: { autoOffsetReset: 'latest', fetchMaxWaitMs: 20, sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, ...kafka },
    ...(only === undefined ? {} : { apps: only.map(appNamed) }),
  });
}

/** Multiset difference of two record lists by (key, value): what `actual` lacks and what it has in excess. */
function difference(expected: readonly FileRecord[], actual: readonly FileRecord[]): { missing: string[]; extra: string[] } {
  const counts = new Map<string, number>();
  for (const r of expected) counts.set(contentKey(r), (counts.get(contentKey(r)) ?? 0) + 1);
  const extra: string[] = [];
  for (const r of actual) {
    const n = counts.get(contentKey(r)) ?? 0;
    if (n === 0) extra.push(contentKey(r));
    else counts.set(contentKey(r), n - 1);
  }
  const missing = [...counts].flatMap(([k, n]) => Array.from({ length: n }, () => k));
  return { missing: missing.slice(0, 5), extra: extra.slice(0, 5) };
}

/**
 * Seed 000/001's generated scenario, small, with one change: each symbol's price ticks a millisecond after the
 * previous symbol's instead of all at once (see the equivalence test for why). It ends a minute ago: records
 * stamped months back could be deleted under the broker's time-based retention while the test reads them.
 */
function scenario(): Map<string, FileRecord[]> {
  const minute = 60_000;
  const inputs = generateScenario({ minutes: 2, accounts: 8, seed: 7, start: Math.floor(Date.now() / minute - 3) * minute });
  const symbols = new Map<string, number>();
  inputs.set(
    Topics.PRICES,
    inputs.get(Topics.PRICES)!.map((r) => {
      if (!symbols.has(r.key!)) symbols.set(r.key!, symbols.size);
      const timestamp = r.timestamp + symbols.get(r.key!)!;
      return { ...r, timestamp, value: { ...(r.value as object), timestamp } };
    }),
  );
  return inputs;
}

describe('the risk pipeline on a real broker', () => {
  it('produces the same records as the offline replay of the same inputs', async () => {
    const inputs = scenario();
    const offline = createPipeline(inputs, { config: defaultRiskConfig, partitions: PARTITIONS });
    runPipeline(offline);
    const expected = producedRecords(offline);
    for (const app of offline.apps.values()) app.close();
    // The scenario exercises every app: automatic and operator kills, drops, margin calls, restrictions.
    const audits = (expected.get(Topics.AUDIT) ?? []).map((r) => r.value as Partial<RouterAudit>);
    expect(audits.filter((a) => a.decision === 'DROP').length).toBeGreaterThan(100);
    expect(expected.get(Topics.KILLSWITCH_COMMANDS)?.length).toBeGreaterThan(5);
    expect(expected.get(Topics.MARGIN_CALLS)?.length).toBeGreaterThan(0);
    expect(expected.get(Topics.RESTRICTIONS)?.length).toBeGreaterThan(0);

    await clearKillSwitchState();
    const pipeline = await startPipeline();
    try {
      const since = await pipeline.contractEndOffsets();
      // A kill carries the timestamp of the order that breached. In the replay the router decides every order of
      // that timestamp before the kill (ties go to the router); live, the aggregator waits until it has.
      const kills = new Set((expected.get(Topics.KILLSWITCH_STATE) ?? []).map((r) => r.timestamp));
      await pipeline.feedInSteps(replayOrder(inputs), { isolate: kills, holdDuringIsolated: ['killswitch-aggregator'] });
      const live = await pipeline.outputs(inputs, since);

      for (const topic of new Set([...expected.keys(), ...live.keys()])) {
        const want = expected.get(topic) ?? [];
        const got = live.get(topic) ?? [];
        if (topic === Topics.KILLSWITCH_STATE) {
          // Compacted (segment.ms 60 s): the cleaner may already have removed superseded states. What is left is a
          // subset of the replay's records, and the latest state per scope is the same.
          expect({ topic, extra: difference(want, got).extra }).toEqual({ topic, extra: [] });
          const latest = (records: readonly FileRecord[]) => Object.fromEntries(records.map((r) => [r.key, r.value]));
          expect(latest(got)).toEqual(latest(want));
        } else {
          expect({ topic, count: got.length, ...difference(want, got) }).toEqual({ topic, count: want.length, missing: [], extra: [] });
        }
      }
    } finally {
      await pipeline.close();
    }
  }, 300_000);

  it('fail-closed: a router started while scopes are KILLED drops every order of them, the first ones included', async () => {
    const run = randomUUID().slice(0, 8);
    const killedAccount = `fc-${run}-a`;
    const killedSymbol = `FC${run.toUpperCase()}`;
    const freeAccount = `fc-${run}-free`;
    // Recent timestamps: older ones could be removed by the broker's time-based retention before the router reads them.
    const t0 = Date.now() - 60_000;
    const state = (scope: string, status: KillState['status']): KillState => ({
      scope,
      status,
      updated_ts: t0,
      updated_by: 'operator:test',
      reason: `test kill of ${scope}`,
      last_cmd_id: `cmd-${scope}`,
      corr_id: `corr-${scope}`,
    });
    await clearKillSwitchState();
    // Thousands of other scopes first, so loading the table takes a while; the kills come last.
    const filler = Array.from({ length: 20_000 }, (_, i) => state(`ACCOUNT:fc-${run}-other-${i}`, i % 2 === 0 ? 'ACTIVE' : 'KILLED'));
    const kills = [state(`ACCOUNT:${killedAccount}`, 'KILLED'), state(`SYMBOL:${killedSymbol}`, 'KILLED')];
    await produce(
      Topics.KILLSWITCH_STATE,
      PARTITIONS,
      [...filler, ...kills].map((s) => ({ key: s.scope, value: Buffer.from(JSON.stringify(s)), timestamp: t0 })),
    );

    const order = (n: number, account: string, symbol: string): Order => ({
      order_id: `fc-${run}-${n}`,
      ts: t0 + 1_000 + n,
      account_id: account,
      symbol,
      side: 'BUY',
      qty: 1,
      price: 10,
    });
    // Waiting before the router starts: its first records are orders of killed scopes.
    const before = [order(0, killedAccount, 'AAPL'), order(1, 'fc-other', killedSymbol), order(2, freeAccount, 'AAPL'), order(3, killedAccount, killedSymbol)];
    const since = new Map<string, bigint>();
    for (const r of await readTopic(Topics.AUDIT, PARTITIONS)) since.set(`${r.partition}`, r.offset + 1n);
    await produce(Topics.ORDERS, PARTITIONS, before.map((o) => ({ key: o.account_id, value: Buffer.from(JSON.stringify(o)), timestamp: o.ts })));

    const pipeline = await startPipeline(['order-router'], { autoOffsetReset: 'earliest' });
    try {
      const after = Array.from({ length: 30 }, (_, i) => order(10 + i, [killedAccount, freeAccount, 'fc-other'][i % 3], i % 2 === 0 ? killedSymbol : 'MSFT'));
      await produce(Topics.ORDERS, PARTITIONS, after.map((o) => ({ key: o.account_id, value: Buffer.from(JSON.stringify(o)), timestamp: o.ts })));
      const all = [...before, ...after];
      const ids = new Set(all.map((o) => o.order_id));
      const decisions = await eventually(
        async () => {
          const audits = (await readTopic(Topics.AUDIT, PARTITIONS))
            .filter((r) => r.offset >= (since.get(`${r.partition}`) ?? 0n))
            .map((r) => JSON.parse(r.value!.toString()) as RouterAudit)
            .filter((a) => ids.has(a.order_id));
          return audits.length >= all.length ? audits : undefined;
        },
        120_000,
        'a decision for every test order',
      );
      // Exactly one decision per order.
      expect(decisions.map((d) => d.order_id).sort()).toEqual([...ids].sort());
      for (const o of all) {
        const decision = decisions.find((d) => d.order_id === o.order_id)!;
        const killed = o.account_id === killedAccount || o.symbol === killedSymbol;
        expect({ order: o.order_id, decision: decision.decision }).toEqual({ order: o.order_id, decision: killed ? 'DROP' : 'ALLOW' });
        if (killed) expect(decision.scope_matches.length).toBeGreaterThan(0);
      }
      const gated = new Set((await readTopic(Topics.ORDERS_GATED, PARTITIONS)).map((r) => (JSON.parse(r.value!.toString()) as Order).order_id));
      for (const o of all) expect({ order: o.order_id, gated: gated.has(o.order_id) }).toEqual({ order: o.order_id, gated: !(o.account_id === killedAccount || o.symbol === killedSymbol) });
    } finally {
      await pipeline.close();
      await clearKillSwitchState();
    }
  }, 240_000);

  it('the console on Kafka: its kill reaches the table and the router; accounts show margin and the ladder', async () => {
    await clearKillSwitchState();
    const pipeline = await startPipeline(['killswitch-aggregator', 'order-router', 'margin', 'enforcement']);
    const backend = await KafkaConsoleBackend.start({
      connection: { brokers: kafkaBrokers() },
      enforcementApplicationId: pipeline.apps.get('enforcement')!.config.applicationId,
      logger: testLogger,
    });
    try {
      const account = `con-${randomUUID().slice(0, 8)}`;
      const now = Date.now();
      await backend.submitCommand({
        cmd_id: `cmd-${account}`,
        ts: now,
        scope: `ACCOUNT:${account}`,
        action: 'KILL',
        reason: 'console test',
        triggered_by: 'operator',
        operator: 'tester',
        corr_id: `corr-${account}`,
      });
      const killed = await eventually(() => backend.killSwitchStates().find((s) => s.scope === `ACCOUNT:${account}`), 60_000, 'the kill in the table');
      expect(killed).toMatchObject({ status: 'KILLED', updated_by: 'operator:tester', reason: 'console test', last_cmd_id: `cmd-${account}` });

      // The router's global table follows the state topic: an order sent after the kill is applied is dropped.
      await pipeline.settled();
      const order: Order = { order_id: `o-${account}`, ts: now + 1, account_id: account, symbol: 'AAPL', side: 'BUY', qty: 1, price: 100 };
      await pipeline.produce([{ topic: Topics.ORDERS, record: { timestamp: order.ts, key: account, value: order } }]);
      const drop = await eventually(() => backend.recentDrops(50).find((d) => d.order_id === order.order_id), 60_000, 'the drop among the recent ones');
      expect(drop).toMatchObject({ decision: 'DROP', scope_matches: [`ACCOUNT:${account}`], corr_id: `corr-${account}` });

      const cash: CashTxn = { txn_id: `dep-${account}`, account_id: account, amount: 100_000, timestamp: now + 2 };
      const fill: Fill = { fill_id: `f-${account}`, account_id: account, symbol: 'AAPL', qty: 10, price: 100, timestamp: now + 3 };
      await pipeline.produce([
        { topic: Topics.CASH, record: { timestamp: cash.timestamp, key: account, value: cash } },
        { topic: Topics.FILLS, record: { timestamp: fill.timestamp, key: account, value: fill } },
      ]);
      const view = await eventually(() => {
        const v = backend.account(account);
        return v?.margin?.ts === fill.timestamp && v.enforcement !== null && v.positions.length > 0 ? v : undefined;
      }, 60_000, 'margin and ladder for the account');
      expect(view.positions).toEqual([{ symbol: 'AAPL', qty: 10 }]);
      expect(view.margin).toMatchObject({ cash: 99_000, long_mv: 1000, equity: 100_000, maintenance_req: 250, excess: 99_750, status: 'ACTIVE' });
      expect(view.enforcement).toMatchObject({ status: 'ACTIVE', restricted: false, open_call: null });
      expect(backend.accountsByStatus().ACTIVE.map((a) => a.account_id)).toContain(account);
    } finally {
      await backend.close();
      await pipeline.close();
      await clearKillSwitchState();
    }
  });

  it('`risk-streams run order-router` closes cleanly and exits 0 within SHUTDOWN_TIMEOUT_MS of a SIGTERM', async () => {
    const shutdownTimeoutMs = 10_000;
    const applicationId = uniqueName('run-router');
    const dir = mkdtempSync(join(tmpdir(), 'risk-run-'));
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, '../../../bin/risk-streams.ts'), 'run', 'order-router', '--brokers', kafkaBrokers().join(','), '--create-topics', '--health-port', '0'],
      {
        env: { ...process.env, STATE_DIR: dir, SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs), KAFKA_APPLICATION_ID: applicationId, LOG_LEVEL: 'info', HEALTH_PORT: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let log = '';
    child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.once('exit', (code) => resolve({ code, at: performance.now() })));
    try {
      await eventually(() => (log.includes('"to":"RUNNING"') ? true : undefined), 60_000, `RUNNING in the log:\n${log}`);
      // Some orders in flight when the signal comes.
      const orders = Array.from({ length: 200 }, (_, i): Order => ({ order_id: `run-${applicationId}-${i}`, ts: Date.now() + i, account_id: `run-${i % 7}`, symbol: 'AAPL', side: 'SELL', qty: 1, price: 1 }));
      await produce(Topics.ORDERS, PARTITIONS, orders.map((o) => ({ key: o.account_id, value: Buffer.from(JSON.stringify(o)), timestamp: o.ts })));
      const signalled = performance.now();
      child.kill('SIGTERM');
      const { code, at } = await exited;
      expect({ code, log: code === 0 ? '' : log }).toEqual({ code: 0, log: '' });
      expect(at - signalled).toBeLessThan(shutdownTimeoutMs);
      expect(log).toContain('"reason":"SIGTERM"');
      expect(log).toContain('"to":"NOT_RUNNING"');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
