import { describe, expect, it } from 'vitest';
import { generatorRunSettings } from '../../../apps/cli/run-generator.ts';
import { defaultLiveGenerator } from '../../../apps/generator/live.ts';

describe('risk-streams run generator: settings', () => {
  it('takes what a deployed container gets from its environment', () => {
    const s = generatorRunSettings([], { KAFKA_APPLICATION_ID: 'generator', HEALTH_PORT: '8080', SHUTDOWN_TIMEOUT_MS: '50000', STATE_DIR: '/var/lib/risk-streams' });
    expect(s).toEqual({ applicationId: 'generator', brokers: [], shutdownTimeoutMs: 50_000, healthPort: 8080, healthHost: '127.0.0.1', generator: defaultLiveGenerator, tickMs: 100 });
  });

  it('takes --brokers and --rate, and refuses what it does not know', () => {
    const s = generatorRunSettings(['--brokers', 'b1:9092,b2:9092', '--rate', '250', '--health-port', '0'], {});
    expect(s).toMatchObject({ brokers: ['b1:9092', 'b2:9092'], healthPort: 0, generator: { ordersPerSecond: 250 } });
    expect(() => generatorRunSettings(['--rate', '0'], {})).toThrow(/\/ordersPerSecond: /);
    expect(() => generatorRunSettings(['--create-topics'], {})).toThrow('unknown option --create-topics');
    expect(() => generatorRunSettings(['--config', '/nonexistent.json'], {})).toThrow(/nonexistent\.json: cannot read/);
  });
});
