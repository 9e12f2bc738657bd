// The shutdown path every `risk-streams run` process shares: one close, within the timeout, exit 0 only if clean.

import { describe, expect, it } from 'vitest';
import { healthSettings, serviceSettings, shutdownLifecycle } from '../../../apps/cli/run-service.ts';
import type { Logger } from '../../../common/logger.ts';

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => quiet };

describe('shutdownLifecycle', () => {
  it('closes once and exits 0 when the close succeeds', async () => {
    let closes = 0;
    const life = shutdownLifecycle(quiet, 1000, async () => ++closes > 0, false);
    const [a, b] = await Promise.all([life.shutdown('SIGTERM'), life.shutdown('SIGINT')]);
    expect([a, b, await life.exited, closes]).toEqual([0, 0, 0, 1]);
  });

  it('exits 1 after a failure, a failed close or a close that overruns the timeout', async () => {
    expect(await shutdownLifecycle(quiet, 1000, async () => true, false).shutdown('the app failed', true)).toBe(1);
    expect(await shutdownLifecycle(quiet, 1000, async () => false, false).shutdown('SIGTERM')).toBe(1);
    expect(await shutdownLifecycle(quiet, 1000, () => Promise.reject(new Error('boom')), false).shutdown('SIGTERM')).toBe(1);
    const started = performance.now();
    expect(await shutdownLifecycle(quiet, 50, () => new Promise<boolean>(() => {}), false).shutdown('SIGTERM')).toBe(1);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('service settings', () => {
  it('takes flags over the environment, naming the bad one', () => {
    expect(serviceSettings({}, { KAFKA_APPLICATION_ID: 'gen-2', SHUTDOWN_TIMEOUT_MS: '50000' }, 'generator')).toEqual({ applicationId: 'gen-2', brokers: [], shutdownTimeoutMs: 50_000 });
    expect(serviceSettings({ brokers: 'b:9092', 'application-id': 'x' }, { KAFKA_APPLICATION_ID: 'gen-2' }, 'generator')).toMatchObject({ applicationId: 'x', brokers: ['b:9092'] });
    expect(healthSettings({}, {})).toEqual({ healthPort: null, healthHost: '127.0.0.1' });
    expect(healthSettings({ 'health-port': 0 }, { HEALTH_PORT: '8080' })).toMatchObject({ healthPort: 0 });
    expect(() => healthSettings({}, { HEALTH_PORT: 'x' })).toThrow(/^HEALTH_PORT: /);
    expect(() => serviceSettings({}, { SHUTDOWN_TIMEOUT_MS: '5' }, 'generator')).toThrow(/^SHUTDOWN_TIMEOUT_MS: /);
  });
});
