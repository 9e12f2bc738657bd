// The cross-check: its comparison on small hand-made output folders (tolerances, a missing topic, a repeated
// kill), then the real thing — generated scenarios through our replay and through the Spark jobs, which must
// agree on every check.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareOutputs, formatReport, sectionPassed, type Section } from '../../scripts/crosscheck.ts';

const repoRoot = join(import.meta.dirname, '../..');
const node = process.execPath;
const T0 = 1_767_623_400_000;

function folder(topics: Record<string, object[]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'crosscheck-unit-'));
  for (const [topic, values] of Object.entries(topics)) {
    const lines = values.map((value) => JSON.stringify({ timestamp: T0, key: 'k', value }));
    writeFileSync(join(dir, `${topic}.jsonl`), lines.length === 0 ? '' : `${lines.join('\n')}\n`);
  }
  return dir;
}

const signal = (over: object = {}) => ({
  ts: T0 + 5_000,
  account_id: '1',
  window_start: T0,
  window_end: T0 + 60_000,
  order_rate_60s: 3,
  rolling_notional_60s: 1234.5,
  top_symbol: 'KO',
  top_symbol_share: 2 / 3,
  ...over,
});
const kill = (over: object = {}) => ({
  cmd_id: 'c',
  ts: T0 + 5_000,
  scope: 'ACCOUNT:1',
  action: 'KILL',
  reason: 'Order rate breach: 101 orders in 60s',
  triggered_by: 'risk_signals',
  metric: 'order_rate_60s',
  value: 101,
  corr_id: 'x',
  ...over,
});
const margin = (over: object = {}) => ({
  account_id: '1',
  ts: T0,
  cash: 40_000,
  market_value: 344_360,
  long_mv: 344_360,
  short_mv: 0,
  beta_weighted_exposure: 619_848,
  equity: 384_360,
  maintenance_req: 86_090,
  excess: 298_270,
  status: 'ACTIVE',
  ...over,
});
const stress = (over: object = {}) => ({ account_id: '1', ts: T0, scenario: -0.08, delta_pnl: -49_587.84, equity_stressed: 334_772.16, excess_stressed: 248_682.16, underwater: false, ...over });
const call = (over: object = {}) => ({ call_id: '1:call', account_id: '1', deficiency: 5_000, ts: T0, due_ts: T0 + 3_600_000, ...over });

const sparkSide = () =>
  folder({
    'risk_signals.v1': [signal()],
    'killswitch.commands.v1': [kill()],
    'margin.calc.v1': [margin()],
    'stress.beta_spy.v1': [stress()],
    'margin.calls.v1': [call()],
  });

const byName = (sections: Section[]) => new Map(sections.map((s) => [s.name, s]));

describe('crosscheck comparison', () => {
  it('passes identical outputs, and differences within a cent', () => {
    const replay = folder({
      // Earlier signals of the window and operator commands are not compared: only the last signal, only automatic kills.
      'risk_signals.v1': [signal({ ts: T0 + 1_000, order_rate_60s: 1 }), signal({ rolling_notional_60s: 1234.504 })],
      'killswitch.commands.v1': [kill({ scope: 'SYMBOL:TSLA', triggered_by: 'operator' }), kill()],
      'margin.calc.v1': [margin({ excess: 1 }), margin({ cash: 40_000.009 })],
      'stress.beta_spy.v1': [stress()],
      'margin.calls.v1': [call()],
    });
    const sections = compareOutputs(replay, sparkSide(), 60_000);
    expect(sections.map((s) => [s.name, sectionPassed(s), s.compared])).toEqual([
      ['risk signals: last per window', true, 1],
      ['automatic kills', true, 1],
      ['margin: final per account', true, 1],
      ['stress: final per account and scenario', true, 1],
      ['margin calls', true, 1],
    ]);
    expect(formatReport(sections)).toContain('crosscheck: every check matches');
  });

  it('reports topics the replay did not produce as MISSING, a failure', () => {
    const replay = folder({ 'audit.v1': [] });
    const sections = compareOutputs(replay, sparkSide(), 60_000);
    expect(sections.every((s) => s.missing !== undefined && !sectionPassed(s))).toBe(true);
    const report = formatReport(sections);
    expect(report).toMatch(/risk signals: last per window\s+1\s+0\s+0\s+0\s+0\s+MISSING/);
    expect(report).toContain('the replay wrote no risk_signals.v1');
    expect(report).toContain('crosscheck: 5 of 5 checks failed');
  });

  it('names each difference: a field beyond tolerance, a kill on one side only, a repeated kill', () => {
    const replay = folder({
      'risk_signals.v1': [signal({ top_symbol: 'AAPL' })],
      'killswitch.commands.v1': [kill({ scope: 'ACCOUNT:2' }), kill({ scope: 'ACCOUNT:2', ts: T0 + 6_000 })],
      'margin.calc.v1': [margin({ excess: 298_270.02 })],
      'stress.beta_spy.v1': [stress({ underwater: true })],
      'margin.calls.v1': [call({ deficiency: 4_999 }), call({ ts: T0 + 1 })],
    });
    const sections = byName(compareOutputs(replay, sparkSide(), 60_000));
    expect(sections.get('risk signals: last per window')!.differ).toEqual([`1@${T0}: top_symbol replay "AAPL" ≠ spark "KO"`]);
    const kills = sections.get('automatic kills')!;
    expect(kills.onlySpark).toHaveLength(1);
    expect(kills.onlyReplay).toHaveLength(1);
    expect(kills.differ).toEqual([`ACCOUNT:2@${T0}: the replay has 2 automatic KILLs for one window (the contract allows one)`]);
    expect(sections.get('margin: final per account')!.differ).toEqual(['1: excess replay 298270.02 ≠ spark 298270']);
    expect(sections.get('stress: final per account and scenario')!.differ).toEqual(['1@-0.08: underwater replay true ≠ spark false']);
    const calls = sections.get('margin calls')!;
    expect([calls.differ.length, calls.onlyReplay.length]).toEqual([1, 1]);
    expect(formatReport([...sections.values()])).toContain('crosscheck: 5 of 5 checks failed');
  });

  it('compares calls that share an account and timestamp one by one, in order', () => {
    // Price ticks of several symbols at one instant can cure a call and open the next at the same ts.
    const spark = folder({ 'margin.calc.v1': [margin()], 'margin.calls.v1': [call({ deficiency: 38.27 }), call({ deficiency: 86.49 })] });
    const same = folder({ 'margin.calc.v1': [margin()], 'margin.calls.v1': [call({ deficiency: 38.27 }), call({ deficiency: 86.49 })] });
    const other = folder({ 'margin.calc.v1': [margin()], 'margin.calls.v1': [call({ deficiency: 38.27 }), call({ deficiency: 80 })] });
    const calls = (replay: string) => byName(compareOutputs(replay, spark, 60_000)).get('margin calls')!;
    expect([calls(same).compared, sectionPassed(calls(same))]).toEqual([2, true]);
    expect(calls(other).differ).toEqual([`1@${T0}#2: deficiency replay 80 ≠ spark 86.49`]);
  });
});

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** The `compared` column of a check in the printed table. */
function compared(output: string, check: string): number {
  const row = output.split('\n').find((l) => l.startsWith(check));
  return row === undefined ? -1 : Number(row.slice(check.length).trim().split(/\s+/)[0]);
}

async function generate(seed: number): Promise<{ dir: string; input: string }> {
  const dir = mkdtempSync(join(tmpdir(), `crosscheck-${seed}-`));
  const input = join(dir, 'in');
  mkdirSync(input);
  const generated = await run(node, ['bin/risk-streams.ts', 'generate', '--output', input, '--minutes', '20', '--accounts', '200', '--seed', String(seed)]);
  expect(generated.code, generated.output).toBe(0);
  expect(Number(/orders\.v1\s+(\d+) records/.exec(generated.output)?.[1])).toBeGreaterThan(20_000);
  return { dir, input };
}

describe('crosscheck on generated scenarios', () => {
  // Tens of thousands of orders over 200 accounts, with the generator's bursts (one account per breach rule)
  // and its market shock (margin calls).
  for (const seed of [101, 202]) {
    it(`replay and Spark agree on every check (seed ${seed})`, { timeout: 15 * 60_000 }, async () => {
      const { dir, input } = await generate(seed);
      const result = await run(node, ['scripts/crosscheck.ts', '--input', input, '--work', join(dir, 'work')]);
      expect(result.code, result.output).toBe(0);
      expect(result.output).toContain('crosscheck: every check matches');
      // The comparison was about something: kills from each rule and margin calls after the shock.
      expect(compared(result.output, 'risk signals: last per window')).toBeGreaterThan(1_000);
      expect(compared(result.output, 'automatic kills')).toBeGreaterThanOrEqual(3);
      expect(compared(result.output, 'margin: final per account')).toBeGreaterThan(0);
      expect(compared(result.output, 'margin calls')).toBeGreaterThan(0);
      rmSync(dir, { recursive: true, force: true }); // kept when a check fails, for a look at the work folder
    });
  }

  it('replay and Spark agree under a tighter config (dozens of kills, every rule among them)', { timeout: 15 * 60_000 }, async () => {
    const { dir, input } = await generate(303);
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        risk: { windowMs: 30_000, orderRateThreshold60s: 8, notionalThreshold60s: 60_000, concentrationMinOrders: 5, symbolConcentrationThreshold: 0.6 },
        margin: { longMaintenanceRate: 0.3, stressScenarios: [-0.1, 0.05] },
      }),
    );
    const result = await run(node, ['scripts/crosscheck.ts', '--input', input, '--config', config, '--work', join(dir, 'work')]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('crosscheck: every check matches');
    expect(compared(result.output, 'automatic kills')).toBeGreaterThan(20);
    const metrics = readFileSync(join(dir, 'work/spark/killswitch.commands.v1.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { value: { metric: string } }).value.metric);
    expect(new Set(metrics)).toEqual(new Set(['order_rate_60s', 'rolling_notional_60s', 'top_symbol_share']));
    expect(compared(result.output, 'stress: final per account and scenario')).toBe(2 * compared(result.output, 'margin: final per account'));
    rmSync(dir, { recursive: true, force: true });
  });
});
