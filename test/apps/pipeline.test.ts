// The whole pipeline on a generated day: determinism and the kill-switch invariants of CONTRACT §2.

import { describe, expect, it } from 'vitest';
import { riskConfig } from '../../apps/config.ts';
import { generateScenario } from '../../apps/generator/scenario.ts';
import { createPipeline, producedRecords, runPipeline } from '../../apps/pipeline.ts';
import type { Beta, CashTxn, Fill, KillState, MarginCalc, Order, Price, RouterAudit } from '../../apps/schemas/records.ts';
import { Topics } from '../../apps/schemas/topics.ts';

function replay(seed: number, minutes = 6) {
  const inputs = generateScenario({ seed, minutes, accounts: 30 });
  const pipeline = createPipeline(inputs, { config: riskConfig() });
  runPipeline(pipeline);
  const out = producedRecords(pipeline);
  for (const app of pipeline.apps.values()) app.close();
  return { inputs, out };
}

describe('risk pipeline replay', () => {
  it('is deterministic: two runs produce identical records', () => {
    const a = replay(7);
    const b = replay(7);
    expect(JSON.stringify([...b.out])).toBe(JSON.stringify([...a.out]));
    expect(a.out.get(Topics.AUDIT)!.length).toBeGreaterThan(0);
  });

  it('gives every order exactly one decision, and allows none under an active kill', () => {
    const { inputs, out } = replay(11);
    const orders = inputs.get(Topics.ORDERS)!.map((r) => r.value as Order);
    const decisions = out.get(Topics.AUDIT)!.map((r) => r.value as RouterAudit).filter((a) => a.service === 'order_router');
    const perOrder = new Map<string, number>();
    for (const d of decisions) perOrder.set(d.order_id, (perOrder.get(d.order_id) ?? 0) + 1);
    expect(perOrder.size).toBe(orders.length);
    expect([...perOrder.values()].every((n) => n === 1)).toBe(true);

    // Kill intervals per scope from the state topic, in event time.
    const states = out.get(Topics.KILLSWITCH_STATE)!.map((r) => r.value as KillState);
    const killedAt = (scope: string, ts: number) => {
      let status = 'ACTIVE';
      for (const s of states) if (s.scope === scope && s.updated_ts < ts) status = s.status;
      return status === 'KILLED';
    };
    const allowed = decisions.filter((d) => d.decision === 'ALLOW');
    const violations = allowed.filter((d) => ['GLOBAL', `ACCOUNT:${d.account_id}`, `SYMBOL:${d.symbol}`].some((scope) => killedAt(scope, d.ts)));
    expect(violations).toEqual([]);
    const gated = out.get(Topics.ORDERS_GATED)!.length;
    expect(gated).toBe(allowed.length);
    expect(decisions.length - allowed.length).toBeGreaterThan(0); // the operator halt dropped some
  });

  it('ends every account at the margin a direct recomputation from the input files gives', () => {
    const { inputs, out } = replay(5, 8);
    const config = riskConfig().margin;
    const values = <T>(topic: string) => (inputs.get(topic) ?? []).map((r) => r.value as T);
    const lastPrice = new Map<string, number>();
    for (const p of values<Price>(Topics.PRICES)) lastPrice.set(p.symbol, p.price);
    const beta = new Map(values<Beta>(Topics.BETAS).map((b) => [b.symbol, b.beta]));
    const accounts = new Map<string, { cash: number; qty: Map<string, number>; lastFill: Map<string, number> }>();
    const account = (id: string) => {
      let a = accounts.get(id);
      if (a === undefined) accounts.set(id, (a = { cash: 0, qty: new Map(), lastFill: new Map() }));
      return a;
    };
    for (const c of values<CashTxn>(Topics.CASH)) account(c.account_id).cash += c.amount;
    for (const f of values<Fill>(Topics.FILLS)) {
      const a = account(f.account_id);
      a.cash -= f.qty * f.price;
      a.qty.set(f.symbol, (a.qty.get(f.symbol) ?? 0) + f.qty);
      a.lastFill.set(f.symbol, f.price);
    }
    const finalMargin = new Map<string, MarginCalc>();
    for (const r of out.get(Topics.MARGIN_CALC)!) finalMargin.set(r.key!, r.value as MarginCalc);
    expect(finalMargin.size).toBe(accounts.size);
    for (const [id, a] of accounts) {
      let long = 0;
      let short = 0;
      let bwe = 0;
      for (const [symbol, q] of a.qty) {
        const price = lastPrice.get(symbol) ?? a.lastFill.get(symbol)!;
        long += Math.max(q, 0) * price;
        short += Math.max(-q, 0) * price;
        bwe += q * price * (beta.get(symbol) ?? 1);
      }
      const equity = a.cash + long - short;
      const req = config.longMaintenanceRate * long + config.shortMaintenanceRate * short;
      const m = finalMargin.get(id)!;
      expect(m.equity).toBeCloseTo(equity, 4);
      expect(m.maintenance_req).toBeCloseTo(req, 4);
      expect(m.excess).toBeCloseTo(equity - req, 4);
      expect(m.beta_weighted_exposure).toBeCloseTo(bwe, 4);
    }
    expect(out.get(Topics.MARGIN_CALLS)?.length ?? 0).toBeGreaterThan(0); // the market shock bites
    expect(out.get(Topics.KILLSWITCH_COMMANDS)?.length ?? 0).toBeGreaterThan(0); // breaching accounts are killed
  });
});
