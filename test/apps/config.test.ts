import { describe, expect, it } from 'vitest';
import { defaultRiskConfig, loadRiskConfig, riskConfig } from '../../apps/config.ts';

describe('risk config (CONTRACT §5)', () => {
  it('defaults match the contract', () => {
    expect(riskConfig()).toEqual(defaultRiskConfig);
    expect(defaultRiskConfig.margin.stressScenarios).toEqual([-0.08, -0.06, -0.04, -0.02, 0, 0.02, 0.04, 0.06]);
  });

  it('merges overrides by section', () => {
    expect(riskConfig({ risk: { windowMs: 30_000 } }).risk).toEqual({ ...defaultRiskConfig.risk, windowMs: 30_000 });
  });

  it.each([
    [{ risk: { windowMs: 0 } }, '/risk/windowMs'],
    [{ risk: { windowMs: '60000' } }, '/risk/windowMs'],
    [{ risk: { windowMS: 1 } }, '/risk/windowMS: unknown key'],
    [{ margin: { symbolConcentrationThreshold: 1 } }, '/margin/symbolConcentrationThreshold: unknown key'],
    [{ risk: { symbolConcentrationThreshold: 1.5 } }, '/risk/symbolConcentrationThreshold'],
    [{ margin: { liquidateAfterMs: 10, restrictAfterMs: 20 } }, '/margin/liquidateAfterMs'],
    [{ extra: {} }, '/extra: unknown key'],
  ])('refuses %j naming %s', (input, path) => {
    expect(() => riskConfig(input)).toThrow(path);
  });

  it('reads RISK_<SECTION>_<KEY> environment variables over the file', () => {
    const config = loadRiskConfig(undefined, { RISK_RISK_ORDER_RATE_THRESHOLD60S: '50', RISK_MARGIN_STRESS_SCENARIOS: '[-0.1, 0.1]' });
    expect(config.risk.orderRateThreshold60s).toBe(50);
    expect(config.margin.stressScenarios).toEqual([-0.1, 0.1]);
    expect(() => loadRiskConfig(undefined, { RISK_RISK_WINDOW_MS: 'abc' })).toThrow(/RISK_RISK_WINDOW_MS/);
  });
});
