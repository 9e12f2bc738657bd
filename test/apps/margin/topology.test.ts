import { describe, expect, it } from 'vitest';
import { riskConfig } from '../../../apps/config.ts';
import { buildMargin } from '../../../apps/margin/topology.ts';
import type { MarginCalc } from '../../../apps/schemas/records.ts';
import { KeySerde, serdes } from '../../../apps/schemas/serdes.ts';
import { appStreamsConfig } from '../../../apps/streams-config.ts';
import { Topics } from '../../../apps/schemas/topics.ts';
import { driverFor } from '../../helpers/driver.ts';

function setup() {
  const d = driverFor(buildMargin(riskConfig(), { storeType: 'in-memory' }), appStreamsConfig('margin', { cacheMaxBytes: 0 }));
  return {
    d,
    cash: (account: string, amount: number, ts: number) =>
      d.createInputTopic(Topics.CASH, KeySerde, serdes.cash).pipeInput(account, { txn_id: `t${ts}`, account_id: account, amount, timestamp: ts }, ts),
    fill: (account: string, symbol: string, qty: number, price: number, ts: number) =>
      d.createInputTopic(Topics.FILLS, KeySerde, serdes.fill).pipeInput(account, { fill_id: `f${ts}`, account_id: account, symbol, qty, price, timestamp: ts }, ts),
    price: (symbol: string, price: number, ts: number) =>
      d.createInputTopic(Topics.PRICES, KeySerde, serdes.price).pipeInput(symbol, { symbol, price, timestamp: ts }, ts),
    beta: (symbol: string, beta: number, ts: number) =>
      d.createInputTopic(Topics.BETAS, KeySerde, serdes.beta).pipeInput(symbol, { symbol, beta, timestamp: ts }, ts),
    margins: d.createOutputTopic(Topics.MARGIN_CALC, KeySerde, serdes.marginCalc),
    stress: d.createOutputTopic(Topics.STRESS, KeySerde, serdes.stress),
  };
}
const pick = (m: MarginCalc | null) => m && { equity: m.equity, maintenance_req: m.maintenance_req, excess: m.excess, market_value: m.market_value, cash: m.cash };

describe('margin (CONTRACT §3)', () => {
  it("reproduces seed 001's worked example to the dollar", () => {
    const t = setup();
    t.beta('NVDA', 1.8, 1);
    t.cash('ACC123', 440_000, 2);
    t.fill('ACC123', 'NVDA', 1000, 400, 3);
    let last = t.margins.readValuesToList().at(-1)!;
    expect(pick(last)).toEqual({ equity: 440_000, maintenance_req: 100_000, excess: 340_000, market_value: 400_000, cash: 40_000 });
    expect(last.beta_weighted_exposure).toBeCloseTo(720_000, 6);
    const stressAt400 = t.stress.readValuesToList().filter((s) => s!.ts === 3);
    const s8 = stressAt400.find((s) => s!.scenario === -0.08)!;
    expect(s8.delta_pnl).toBeCloseTo(-57_600, 6);
    expect(s8.equity_stressed).toBeCloseTo(382_400, 6);
    expect(s8.excess_stressed).toBeCloseTo(282_400, 6);
    expect(s8.underwater).toBe(false);

    t.price('NVDA', 364, 4);
    last = t.margins.readValuesToList().at(-1)!;
    expect(last.equity).toBeCloseTo(404_000, 6);
    expect(last.maintenance_req).toBeCloseTo(91_000, 6);
    expect(last.excess).toBeCloseTo(313_000, 6);
    const s8b = t.stress.readValuesToList().find((s) => s!.scenario === -0.08)!;
    expect(s8b.equity_stressed).toBeCloseTo(351_584, 6);
    expect(s8b.excess_stressed).toBeCloseTo(260_584, 6);

    t.price('NVDA', 344.36, 5);
    last = t.margins.readValuesToList().at(-1)!;
    expect(last.equity).toBeCloseTo(384_360, 6);
    expect(last.maintenance_req).toBeCloseTo(86_090, 6);
    expect(last.excess).toBeCloseTo(298_270, 6);
    const stress = t.stress.readValuesToList();
    expect(stress.find((s) => s!.scenario === -0.08)!.equity_stressed).toBeCloseTo(334_772.16, 2);
    expect(stress.find((s) => s!.scenario === -0.06)!.excess_stressed).toBeCloseTo(384_360 - 0.06 * 1000 * 344.36 * 1.8 - 86_090, 6);
  });

  it('one margin record per input change, never an intermediate one (a fill moves cash and position together)', () => {
    const t = setup();
    t.cash('A', 100_000, 1);
    t.margins.readValuesToList();
    t.fill('A', 'XYZ', 1000, 100, 2); // buys 100,000 of stock with all the cash: equity unchanged
    const after = t.margins.readValuesToList();
    expect(after).toHaveLength(1);
    expect(after[0]!.equity).toBe(100_000);
    expect(after[0]!.cash).toBe(0);
  });

  it('uses the last fill price before any price, then the latest price; missing beta is 1.0', () => {
    const t = setup();
    t.fill('A', 'NEW', 10, 50, 1);
    expect(t.margins.readValuesToList().at(-1)!).toMatchObject({ long_mv: 500, beta_weighted_exposure: 500 });
    t.price('NEW', 60, 2);
    expect(t.margins.readValuesToList().at(-1)!).toMatchObject({ long_mv: 600, beta_weighted_exposure: 600 });
  });

  it('short positions count at the short rate and a price change recomputes every holder', () => {
    const t = setup();
    t.cash('L', 10_000, 1);
    t.cash('S', 10_000, 1);
    t.fill('L', 'X', 100, 10, 2);
    t.fill('S', 'X', -100, 10, 3);
    t.margins.readValuesToList();
    t.price('X', 20, 4);
    const updates = t.margins.readValuesToList();
    expect(updates.map((m) => m!.account_id).sort()).toEqual(['L', 'S']);
    const s = updates.find((m) => m!.account_id === 'S')!;
    expect(s).toMatchObject({ short_mv: 2000, long_mv: 0, market_value: -2000, cash: 11_000, equity: 9000, maintenance_req: 600, excess: 8400 });
  });

  it('status reflects excess: below zero is MARGIN_CALL, below the warning threshold WARNING', () => {
    const t = setup();
    t.cash('A', 5_000, 1);
    expect(t.margins.readValuesToList().at(-1)!.status).toBe('WARNING');
    t.fill('A', 'X', 1000, 20, 2); // 20,000 long on 5,000 equity: req 5,000 → excess 0 → WARNING
    t.price('X', 19, 3); // equity 4,000, req 4,750
    expect(t.margins.readValuesToList().at(-1)!.status).toBe('MARGIN_CALL');
  });
});
