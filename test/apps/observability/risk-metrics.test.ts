// The risk metrics against what the apps wrote: a generated day through the whole pipeline, then every
// counter and gauge compared with the records of the topics it summarises.

import { describe, expect, it } from 'vitest';
import { riskConfig } from '../../../apps/config.ts';
import { generateScenario } from '../../../apps/generator/scenario.ts';
import { RISK_METRICS, scopeType } from '../../../apps/observability/risk-metrics.ts';
import { createPipeline, producedRecords, runPipeline } from '../../../apps/pipeline.ts';
import type { KillCommand, KillState, Restriction, RouterAudit } from '../../../apps/schemas/records.ts';
import { Topics } from '../../../apps/schemas/topics.ts';
import { ManualClock } from '../../../common/time.ts';
import { streamsRegistry } from '../../../runtime/metrics/prometheus.ts';

const start = Date.UTC(2026, 0, 5, 14, 30);
const inputs = generateScenario({ minutes: 6, accounts: 30, seed: 3, start });
// The router's clock an hour after the day: every kill is in its past, so every first drop is timed.
const pipeline = createPipeline(inputs, { config: riskConfig(), partitions: 3, clock: new ManualClock(start + 60 * 60_000) });
runPipeline(pipeline);
const out = producedRecords(pipeline);
const values = <T>(topic: string) => (out.get(topic) ?? []).map((r) => r.value as T);

async function series(app: string): Promise<Array<{ name: string; labels: Record<string, string>; value: number }>> {
  const text = await streamsRegistry(pipeline.apps.get(app)!, { specs: RISK_METRICS, defaultMetrics: false }).metrics();
  return text
    .split('\n')
    .filter((l) => l.startsWith('risk_'))
    .map((l) => {
      const [, name, labels, value] = /^(\w+)\{(.*)\} (\S+)$/.exec(l)!;
      return { name, labels: Object.fromEntries([...labels.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]])), value: Number(value) };
    });
}
const sum = (list: Awaited<ReturnType<typeof series>>, name: string, labels: Record<string, string> = {}) =>
  list.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);

describe('risk metrics', () => {
  it('count router decisions by scope type and time the first drop under each kill', async () => {
    const router = await series('order-router');
    const decisions = values<RouterAudit>(Topics.AUDIT).filter((a) => a.service === 'order_router');
    const drops = decisions.filter((d) => d.decision === 'DROP');
    expect(drops.length).toBeGreaterThan(0);
    expect(sum(router, 'risk_orders_routed_total', { decision: 'ALLOW', scope_type: 'NONE' })).toBe(decisions.length - drops.length);
    for (const type of ['GLOBAL', 'ACCOUNT', 'SYMBOL']) {
      expect(sum(router, 'risk_orders_routed_total', { decision: 'DROP', scope_type: type }), type).toBe(drops.filter((d) => scopeType(d.scope_matches[0]) === type).length);
    }
    // One first drop per kill (scope and command) that dropped anything.
    const states = values<KillState>(Topics.KILLSWITCH_STATE);
    const killsThatDropped = new Set(drops.flatMap((d) => d.scope_matches.map((scope) => `${scope}|${states.filter((s) => s.scope === scope && s.updated_ts <= d.ts && s.status === 'KILLED').at(-1)?.last_cmd_id}`)));
    expect(sum(router, 'risk_kill_propagation_latency_seconds_count')).toBe(killsThatDropped.size);
  });

  it('count commands, breaches and killed scopes as the aggregator applied them', async () => {
    const aggregator = await series('killswitch-aggregator');
    const commands = [...(inputs.get(Topics.KILLSWITCH_COMMANDS) ?? []).map((r) => r.value as KillCommand), ...values<KillCommand>(Topics.KILLSWITCH_COMMANDS)];
    expect(sum(aggregator, 'risk_killswitch_commands_total')).toBe(commands.length);
    const fromSignals = commands.filter((c) => c.triggered_by === 'risk_signals');
    expect(fromSignals.length).toBeGreaterThan(0);
    expect(sum(aggregator, 'risk_breaches_total')).toBe(fromSignals.length);
    for (const metric of new Set(fromSignals.map((c) => c.metric!))) {
      expect(sum(aggregator, 'risk_breaches_total', { metric })).toBe(fromSignals.filter((c) => c.metric === metric).length);
    }
    const latest = new Map(values<KillState>(Topics.KILLSWITCH_STATE).map((s) => [s.scope, s]));
    for (const type of ['GLOBAL', 'ACCOUNT', 'SYMBOL']) {
      const killed = [...latest.values()].filter((s) => s.status === 'KILLED' && scopeType(s.scope) === type).length;
      expect(sum(aggregator, 'risk_killswitch_killed_scopes', { scope_type: type }), type).toBe(killed);
    }
  });

  it('count ladder events and accounts by status', async () => {
    const enforcement = await series('enforcement');
    const restrictions = values<Restriction>(Topics.RESTRICTIONS);
    expect(sum(enforcement, 'risk_margin_ladder_events_total', { event: 'margin_call' })).toBe(values(Topics.MARGIN_CALLS).length);
    expect(sum(enforcement, 'risk_margin_ladder_events_total', { event: 'restriction' })).toBe(restrictions.filter((r) => r.action === 'CLOSE_ONLY').length);
    expect(sum(enforcement, 'risk_margin_ladder_events_total', { event: 'restriction_lifted' })).toBe(restrictions.filter((r) => r.action === 'NONE').length);
    expect(sum(enforcement, 'risk_margin_ladder_events_total', { event: 'liquidation' })).toBe(values(Topics.LIQUIDATIONS).length);
    const accounts = pipeline.apps.get('enforcement')!.store<string, { status: string }>('enforcement-accounts').all();
    expect(accounts.length).toBeGreaterThan(0);
    for (const status of ['ACTIVE', 'WARNING', 'MARGIN_CALL', 'RESTRICTED', 'LIQUIDATING']) {
      expect(sum(enforcement, 'risk_accounts', { status }), status).toBe(accounts.filter((a) => a.value.status === status).length);
    }
  });

  it('keep labels to bounded sets: no account, order or symbol ids', async () => {
    const allowed = new Set([
      'ALLOW', 'DROP', 'NONE', 'GLOBAL', 'ACCOUNT', 'SYMBOL', 'KILL', 'UNKILL', 'applied', 'duplicate', 'stale',
      'order_rate_60s', 'rolling_notional_60s', 'top_symbol_share', 'other', 'margin_call', 'restriction', 'restriction_lifted', 'liquidation',
      'ACTIVE', 'WARNING', 'MARGIN_CALL', 'RESTRICTED', 'LIQUIDATING',
    ]);
    for (const app of pipeline.apps.keys()) {
      for (const s of await series(app)) {
        for (const [label, value] of Object.entries(s.labels)) {
          if (label === 'app' || label === 'le') continue;
          expect(allowed.has(value), `${s.name}{${label}="${value}"}`).toBe(true);
        }
      }
    }
  });
});
