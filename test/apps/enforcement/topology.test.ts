import { describe, expect, it } from 'vitest';
import { defaultRiskConfig, riskConfig } from '../../../apps/config.ts';
import { buildEnforcement } from '../../../apps/enforcement/topology.ts';
import type { Fill, MarginCalc, StressResult } from '../../../apps/schemas/records.ts';
import { KeySerde, recordSerde, serdes } from '../../../apps/schemas/serdes.ts';
import { EnforcementAudit } from '../../../apps/schemas/records.ts';
import { appStreamsConfig } from '../../../apps/streams-config.ts';
import { Topics } from '../../../apps/schemas/topics.ts';
import { driverFor } from '../../helpers/driver.ts';

const HOUR = 3_600_000;
const margin = (ts: number, excess: number): MarginCalc => ({
  account_id: 'A1',
  ts,
  cash: 0,
  market_value: 0,
  long_mv: 0,
  short_mv: 0,
  beta_weighted_exposure: 0,
  equity: 100_000 + excess,
  maintenance_req: 100_000,
  excess,
  status: 'ACTIVE',
});
const stress = (ts: number, scenario: number, underwater: boolean): StressResult => ({
  account_id: 'A1',
  ts,
  scenario,
  delta_pnl: 0,
  equity_stressed: 0,
  excess_stressed: underwater ? -1 : 1,
  underwater,
});

function setup() {
  const d = driverFor(buildEnforcement(riskConfig(), { storeType: 'in-memory' }), appStreamsConfig('enforcement'));
  const m = d.createInputTopic(Topics.MARGIN_CALC, KeySerde, serdes.marginCalc);
  const s = d.createInputTopic(Topics.STRESS, KeySerde, serdes.stress);
  const f = d.createInputTopic(Topics.FILLS, KeySerde, serdes.fill);
  return {
    d,
    margin: (ts: number, excess: number) => m.pipeInput('A1', margin(ts, excess), ts),
    stress: (ts: number, sc: number, u: boolean) => s.pipeInput('A1', stress(ts, sc, u), ts),
    fill: (fill: Fill) => f.pipeInput(fill.account_id, fill, fill.timestamp),
    calls: d.createOutputTopic(Topics.MARGIN_CALLS, KeySerde, serdes.marginCall),
    restrictions: d.createOutputTopic(Topics.RESTRICTIONS, KeySerde, serdes.restriction),
    liquidations: d.createOutputTopic(Topics.LIQUIDATIONS, KeySerde, serdes.liquidation),
    audit: d.createOutputTopic(Topics.AUDIT, KeySerde, recordSerde(EnforcementAudit)),
  };
}

describe('enforcement ladder', () => {
  it('one margin call per deficit episode, due restrictAfterMs later', () => {
    const t = setup();
    t.margin(1000, -5000);
    t.margin(2000, -7000); // still in the same episode
    expect(t.calls.readValuesToList()).toEqual([{ call_id: 'A1:call:1000', account_id: 'A1', deficiency: 5000, ts: 1000, due_ts: 1000 + HOUR }]);
    t.margin(3000, 1); // cured
    t.margin(4000, -1); // a new episode
    expect(t.calls.readValuesToList().map((c) => c!.call_id)).toEqual(['A1:call:4000']);
  });

  it('restricts at call + restrictAfterMs and liquidates at call + liquidateAfterMs, on stream time', () => {
    const t = setup();
    t.fill({ fill_id: 'f1', account_id: 'A1', symbol: 'NVDA', qty: 1000, price: 400, timestamp: 500 });
    t.fill({ fill_id: 'f2', account_id: 'A1', symbol: 'AAPL', qty: -50, price: 180, timestamp: 600 });
    t.margin(1000, -5000);
    t.margin(1000 + HOUR - 1, -5000); // one ms before the deadline: nothing yet
    expect(t.restrictions.isEmpty()).toBe(true);
    t.margin(1000 + HOUR, -5000); // stream time reaches the deadline
    expect(t.restrictions.readValuesToList()).toEqual([
      { account_id: 'A1', action: 'CLOSE_ONLY', reason: 'Margin call A1:call:1000 not met within 60 min', ts: 1000 + HOUR, corr_id: 'A1:call:1000' },
    ]);
    t.margin(1000 + 3 * HOUR, -5000); // passes the liquidation deadline (2 h) before this record
    const [liq] = t.liquidations.readValuesToList();
    expect(liq).toMatchObject({ account_id: 'A1', ts: 1000 + 2 * HOUR, positions: [{ symbol: 'AAPL', qty: -50 }, { symbol: 'NVDA', qty: 1000 }] });
    const statuses = t.audit.readValuesToList().filter((a) => a!.event_type === 'STATUS_CHANGED').map((a) => a!.details.to);
    expect(statuses).toEqual(['MARGIN_CALL', 'RESTRICTED', 'LIQUIDATING']);
  });

  it('a cured call lifts its restriction and returns to ACTIVE', () => {
    const t = setup();
    t.margin(0, -10);
    t.margin(HOUR, -10);
    t.margin(HOUR + 5, 50_000);
    expect(t.restrictions.readValuesToList().map((r) => r!.action)).toEqual(['CLOSE_ONLY', 'NONE']);
    const types = t.audit.readValuesToList().map((a) => a!.event_type);
    expect(types).toContain('MARGIN_CALL_CURED');
    expect(types.at(-1)).toBe('STATUS_CHANGED');
  });

  it('WARNING below the warning threshold, exactly at the threshold is ACTIVE', () => {
    const t = setup();
    t.margin(1, defaultRiskConfig.margin.warningThreshold - 0.01);
    t.margin(2, defaultRiskConfig.margin.warningThreshold);
    const changes = t.audit.readValuesToList().map((a) => a!.details.to);
    expect(changes).toEqual(['WARNING', 'ACTIVE']);
  });

  it('underwater in a severe scenario restricts once per episode; mild scenarios never do', () => {
    const t = setup();
    t.stress(10, -0.04, true); // |s| < 0.06: ignored
    expect(t.restrictions.isEmpty()).toBe(true);
    t.stress(20, -0.06, true); // exactly at the threshold: restricts
    t.stress(20, -0.08, true); // same episode
    expect(t.restrictions.readValuesToList()).toEqual([
      { account_id: 'A1', action: 'CLOSE_ONLY', reason: 'Underwater in SPY -6.0% scenario', ts: 20, corr_id: 'A1:20' },
    ]);
    t.stress(30, -0.06, false);
    t.stress(30, -0.08, false); // episode over: lifted
    expect(t.restrictions.readValuesToList().map((r) => r!.action)).toEqual(['NONE']);
  });

  it('stress keeps the restriction after the call is cured', () => {
    const t = setup();
    t.margin(0, -10);
    t.margin(HOUR, -10); // call restriction
    t.stress(HOUR + 1, -0.08, true); // stress holds too
    t.margin(HOUR + 2, 20_000); // call cured, stress still holds
    expect(t.restrictions.readValuesToList().map((r) => r!.action)).toEqual(['CLOSE_ONLY']);
    t.stress(HOUR + 3, -0.08, false);
    expect(t.restrictions.readValuesToList().map((r) => r!.action)).toEqual(['NONE']);
  });

  it('every audit event is an enforcement event keyed by account', () => {
    const t = setup();
    t.margin(0, -10);
    for (const r of t.d.producedRecords(Topics.AUDIT)) expect(r.key!.toString()).toBe('A1');
    expect(t.audit.readValuesToList().every((a) => a!.service === 'enforcement')).toBe(true);
  });
});

describe('margin call ids', () => {
  it('are distinct when a call is cured and another opens at the same instant', () => {
    const t = setup();
    t.margin(1000, -5);
    t.margin(1000, 5); // cured
    t.margin(1000, -7); // a new episode at the same timestamp
    expect(t.calls.readValuesToList().map((c) => c!.call_id)).toEqual(['A1:call:1000', 'A1:call:1000:2']);
  });
});
