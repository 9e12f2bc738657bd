// The deployment's settings: defaults that pass, and refusals that name the bad key.

import { describe, expect, it } from 'vitest';
import { riskConfigFromEnv } from '../../apps/config.ts';
import { CONTEXT_KEY, defaultDeployConfig, deployConfig, ENV_KEY, loadDeployConfig } from '../../deploy/config.ts';
import { riskEnvironment } from '../../deploy/constructs/app-task.ts';

const fromSources = (context: Record<string, unknown>, env: Record<string, string> = {}) => loadDeployConfig({ context: (k) => context[k], env });

describe('deployConfig', () => {
  it('accepts the defaults: stage dev, 60 s shutdown, three partitions per topic', () => {
    const config = deployConfig();
    expect(config.stage).toBe('dev');
    expect(config.shutdownTimeoutSeconds).toBe(60);
    expect(config.partitions['orders.v1']).toBe(3);
    expect(config.risk.risk.orderRateThreshold60s).toBe(100);
  });

  it.each([
    [{ colour: 'blue' }, /\/deploy\/colour: unknown key/],
    [{ services: { 'order-router': { maxCount: 9 } } }, /\/deploy\/services\/order-router\/maxCount: must be at most 3/],
    [{ services: { margin: { cpu: 256, memoryMiB: 4096 } } }, /\/deploy\/services\/margin\/memoryMiB: 4096 MiB is not a Fargate size/],
    [{ services: { enforcement: { minCount: 2, desiredCount: 1 } } }, /\/deploy\/services\/enforcement\/minCount/],
    [{ services: { enforcement: { lagScaleInBelow: 9000 } } }, /\/deploy\/services\/enforcement\/lagScaleInBelow/],
    [{ shutdownTimeoutSeconds: 300 }, /\/deploy\/shutdownTimeoutSeconds/],
    [{ logRetentionDays: 10 }, /\/deploy\/logRetentionDays: must be one of/],
    [{ console: { internetFacing: true } }, /\/deploy\/console\/certificateArn: is required/],
    [{ partitions: { 'nope.v1': 3 } }, /\/deploy\/partitions\/nope.v1: unknown key/],
    [{ vpc: { maxAzs: 1 } }, /\/deploy\/vpc\/maxAzs/],
    [{ stage: 'Prod!' }, /\/deploy\/stage: must be/],
    [{ risk: { risk: { windowMs: -1 } } }, /\/deploy\/risk: \/risk\/windowMs/],
  ])('refuses %j naming the key', (overrides, message) => {
    expect(() => deployConfig(overrides)).toThrow(message);
  });

  it('caps a service by its input partitions, so more partitions allow more tasks', () => {
    const config = deployConfig({ partitions: { 'orders.v1': 6 }, services: { 'order-router': { maxCount: 6 } } });
    expect(config.services['order-router'].maxCount).toBe(6);
  });

  it('hands the thresholds to the apps in the form their environment loader reads back', () => {
    const config = deployConfig({ risk: { risk: { orderRateThreshold60s: 250 }, margin: { stressScenarios: [-0.1, 0.1] } } });
    expect(riskConfigFromEnv(riskEnvironment(config.risk))).toEqual(config.risk);
  });
});

describe('loadDeployConfig', () => {
  it('layers the environment, then the context (JSON on the command line), then -c stage', () => {
    const config = fromSources(
      { [CONTEXT_KEY]: JSON.stringify({ vpc: { natGateways: 2 } }), stage: 'prod' },
      { [ENV_KEY]: JSON.stringify({ vpc: { natGateways: 3, maxAzs: 3 }, logRetentionDays: 90 }) },
    );
    expect(config.stage).toBe('prod');
    expect(config.vpc).toEqual({ ...defaultDeployConfig.vpc, natGateways: 2, maxAzs: 3 });
    expect(config.logRetentionDays).toBe(90);
  });

  it('takes the stage from RISK_STREAMS_STAGE and an object from cdk.json', () => {
    expect(fromSources({ [CONTEXT_KEY]: { prefix: 'rs' } }, { RISK_STREAMS_STAGE: 'qa' })).toMatchObject({ stage: 'qa', prefix: 'rs' });
  });

  it('names the source of bad JSON', () => {
    expect(() => fromSources({ [CONTEXT_KEY]: '{nope' })).toThrow(/context riskStreams: not JSON/);
    expect(() => fromSources({}, { [ENV_KEY]: '[1]' })).toThrow(/environment RISK_STREAMS_DEPLOY: \/deploy: must be a JSON object/);
  });
});
