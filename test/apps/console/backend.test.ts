import { describe, expect, it } from 'vitest';
import { EmbeddedConsoleBackend } from '../../../apps/console/backend.ts';
import { runPipeline } from '../../../apps/pipeline.ts';
import { apps } from '../../../apps/registry.ts';
import { KillCommand, type RouterAudit } from '../../../apps/schemas/records.ts';
import { Topics } from '../../../apps/schemas/topics.ts';
import { InvalidRecordError } from '../../../common/errors.ts';
import { partitionForKey } from '../../../common/murmur2.ts';
import { T0, command, consolePipeline, margin, order, pipe, pipeMargin, pipeOrder } from './fixtures.ts';

describe('EmbeddedConsoleBackend', () => {
  it('writes a command keyed by its scope to the partition the Java client would pick', () => {
    const pipeline = consolePipeline({ partitions: 3 });
    const backend = new EmbeddedConsoleBackend(pipeline);
    const scopes = ['GLOBAL', 'ACCOUNT:42', 'ACCOUNT:7', 'SYMBOL:NVDA', 'SYMBOL:TSLA'];
    scopes.forEach((scope, i) => backend.submitCommand(command({ scope, cmd_id: `c${i}`, corr_id: `k${i}`, ts: T0 + i })));
    for (const [i, scope] of scopes.entries()) {
      const expected = partitionForKey(Buffer.from(scope, 'utf8'), 3);
      const records = pipeline.cluster.read(Topics.KILLSWITCH_COMMANDS, expected, 0n, 100);
      const record = records.find((r) => r.key?.toString() === scope);
      expect(record, scope).toBeDefined();
      expect(record!.timestamp).toBe(T0 + i);
      expect(record!.headers).toEqual({ corr_id: `k${i}` });
      expect(KillCommand.parse(JSON.parse(record!.value!.toString()))).toMatchObject({ scope, cmd_id: `c${i}` });
    }
    // The scopes do not all hash to one partition, so the check above means something.
    expect(new Set(scopes.map((s) => partitionForKey(Buffer.from(s), 3))).size).toBeGreaterThan(1);
  });

  it('refuses a malformed command instead of writing it', () => {
    const pipeline = consolePipeline();
    const backend = new EmbeddedConsoleBackend(pipeline);
    expect(() => backend.submitCommand({ ...command(), scope: 'EVERYTHING' })).toThrow(InvalidRecordError);
    expect(() => backend.submitCommand({ ...command(), cmd_id: '' })).toThrow(/cmd_id/);
    expect(pipeline.cluster.endOffset(Topics.KILLSWITCH_COMMANDS, 0)).toBe(0n);
  });

  it('reads kill states from the aggregator store across tasks: GLOBAL, then accounts, then symbols', () => {
    const pipeline = consolePipeline({ partitions: 3 });
    const backend = new EmbeddedConsoleBackend(pipeline);
    expect(backend.killSwitchStates()).toEqual([]);
    backend.submitCommand(command({ scope: 'SYMBOL:TSLA', cmd_id: 'a', ts: T0 }));
    backend.submitCommand(command({ scope: 'ACCOUNT:7', cmd_id: 'b', ts: T0 + 1 }));
    backend.submitCommand(command({ scope: 'GLOBAL', cmd_id: 'c', ts: T0 + 2 }));
    backend.submitCommand(command({ scope: 'ACCOUNT:42', cmd_id: 'd', ts: T0 + 3, action: 'UNKILL', reason: 'cleared' }));
    runPipeline(pipeline);
    const states = backend.killSwitchStates();
    expect(states.map((s) => [s.scope, s.status])).toEqual([
      ['GLOBAL', 'KILLED'],
      ['ACCOUNT:42', 'ACTIVE'],
      ['ACCOUNT:7', 'KILLED'],
      ['SYMBOL:TSLA', 'KILLED'],
    ]);
    expect(states[1]).toEqual({
      scope: 'ACCOUNT:42',
      status: 'ACTIVE',
      updated_ts: T0 + 3,
      updated_by: 'operator:alice',
      reason: 'cleared',
      last_cmd_id: 'd',
      corr_id: 'corr-1',
    });
  });

  it('keeps the newest drops in a bounded buffer, ignoring allows, enforcement events and garbage', () => {
    const pipeline = consolePipeline({ partitions: 3 });
    const backend = new EmbeddedConsoleBackend(pipeline, { dropsCapacity: 3 });
    backend.submitCommand(command({ scope: 'ACCOUNT:42', ts: T0 }));
    runPipeline(pipeline);
    for (let i = 1; i <= 5; i++) pipeOrder(pipeline, order({ order_id: `drop-${i}`, ts: T0 + i * 10 }));
    pipeOrder(pipeline, order({ order_id: 'allowed', account_id: '9', ts: T0 + 100 }));
    pipe(pipeline, Topics.AUDIT, 'x', 'not json', T0 + 200);
    runPipeline(pipeline);
    expect(backend.recentDrops(10).map((d) => d.order_id)).toEqual(['drop-5', 'drop-4', 'drop-3']);
    expect(backend.recentDrops(1).map((d) => d.order_id)).toEqual(['drop-5']);
    const [latest] = backend.recentDrops(1);
    expect(latest).toMatchObject<Partial<RouterAudit>>({ decision: 'DROP', account_id: '42', scope_matches: ['ACCOUNT:42'], corr_id: 'corr-1', reason: 'suspicious flow' });
    // Later drops arrive on the next query; the buffer stays bounded.
    pipeOrder(pipeline, order({ order_id: 'drop-6', ts: T0 + 300 }));
    runPipeline(pipeline);
    expect(backend.recentDrops(10).map((d) => d.order_id)).toEqual(['drop-6', 'drop-5', 'drop-4']);
  });

  it('joins the latest margin record with the enforcement store: positions, status, open call', () => {
    const pipeline = consolePipeline({ partitions: 3 });
    const backend = new EmbeddedConsoleBackend(pipeline);
    expect(backend.account('A1')).toBeNull();
    pipe(pipeline, Topics.FILLS, 'A1', { fill_id: 'f1', account_id: 'A1', symbol: 'NVDA', qty: 1000, price: 400, timestamp: T0 }, T0);
    pipe(pipeline, Topics.FILLS, 'A1', { fill_id: 'f2', account_id: 'A1', symbol: 'AAPL', qty: -50, price: 180, timestamp: T0 + 1 }, T0 + 1);
    pipeMargin(pipeline, margin('A1', 50_000, 400_000, T0 + 2));
    pipeMargin(pipeline, margin('A1', -320_000, 400_000, T0 + 3)); // excess −20,000: a margin call
    pipeMargin(pipeline, margin('B2', 100_000, 50_000, T0 + 4));
    pipeMargin(pipeline, margin('C3', 3_000, 4_000, T0 + 5)); // excess 6,000: a warning
    runPipeline(pipeline);

    const a1 = backend.account('A1');
    expect(a1).toEqual({
      account_id: 'A1',
      margin: margin('A1', -320_000, 400_000, T0 + 3),
      positions: [
        { symbol: 'AAPL', qty: -50 },
        { symbol: 'NVDA', qty: 1000 },
      ],
      enforcement: {
        status: 'MARGIN_CALL',
        restricted: false,
        excess: -20_000,
        open_call: { call_id: `A1:call:${T0 + 3}`, ts: T0 + 3, deficiency: 20_000 },
        underwater_scenarios: [],
      },
    });
    expect(backend.account('nobody')).toBeNull();

    const groups = backend.accountsByStatus();
    expect(Object.keys(groups)).toEqual(['ACTIVE', 'WARNING', 'MARGIN_CALL', 'RESTRICTED', 'LIQUIDATING']);
    expect(groups.MARGIN_CALL).toEqual([{ account_id: 'A1', status: 'MARGIN_CALL', excess: -20_000, equity: 80_000 }]);
    expect(groups.ACTIVE.map((a) => a.account_id)).toEqual(['B2']);
    expect(groups.WARNING.map((a) => a.account_id)).toEqual(['C3']);
    expect(groups.RESTRICTED).toEqual([]);
  });

  it('falls back to the margin record alone when enforcement is not running', () => {
    const pipeline = consolePipeline({ apps: apps.filter((a) => a.name !== 'enforcement') });
    const backend = new EmbeddedConsoleBackend(pipeline);
    pipeMargin(pipeline, margin('A1', -320_000, 400_000));
    runPipeline(pipeline);
    expect(backend.account('A1')).toMatchObject({ positions: [], enforcement: null, margin: { excess: -20_000 } });
    expect(backend.accountsByStatus().MARGIN_CALL.map((a) => a.account_id)).toEqual(['A1']);
  });
});
