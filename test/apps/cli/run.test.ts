import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../apps/cli/commands.ts';
import { runSettings } from '../../../apps/cli/run.ts';
import { ConfigError } from '../../../common/errors.ts';

describe('risk-streams run: settings', () => {
  it('takes what a deployed container gets from its environment', () => {
    const s = runSettings(['order-router'], {
      KAFKA_APPLICATION_ID: 'order-router',
      STATE_DIR: '/var/lib/risk-streams',
      SHUTDOWN_TIMEOUT_MS: '50000',
      HEALTH_PORT: '8081',
      KAFKA_GROUP_INSTANCE_ID: 'router-a',
    });
    expect(s).toMatchObject({
      applicationId: 'order-router',
      brokers: [],
      stateDir: '/var/lib/risk-streams',
      shutdownTimeoutMs: 50_000,
      healthPort: 8081,
      healthHost: '127.0.0.1',
      groupInstanceId: 'router-a',
      processingGuarantee: 'exactly_once_v2',
      createTopics: false,
      partitions: 3,
    });
    expect(s.app.name).toBe('order-router');
  });

  it('lets flags win over the environment', () => {
    const s = runSettings(
      ['margin', '--brokers', 'b1:9092,b2:9092', '--state-dir', '/tmp/x', '--create-topics', '--partitions', '6', '--guarantee', 'at_least_once', '--health-port', '0', '--instance-id', 'm-1'],
      { STATE_DIR: '/var/lib/risk-streams', HEALTH_PORT: '8081', PROCESSING_GUARANTEE: 'exactly_once_v2' },
    );
    expect(s).toMatchObject({
      applicationId: 'margin',
      brokers: ['b1:9092', 'b2:9092'],
      stateDir: '/tmp/x',
      createTopics: true,
      partitions: 6,
      processingGuarantee: 'at_least_once',
      healthPort: 0,
      groupInstanceId: 'm-1',
    });
  });

  it('has no health endpoint unless asked, and refuses bad values naming the flag or variable', () => {
    expect(runSettings(['enforcement'], {}).healthPort).toBeNull();
    expect(() => runSettings([], {})).toThrow(UsageError);
    expect(() => runSettings(['nope'], {})).toThrow(/unknown app "nope"/);
    expect(() => runSettings(['margin', '--bogus'], {})).toThrow('unknown option --bogus');
    expect(() => runSettings(['margin'], { SHUTDOWN_TIMEOUT_MS: 'soon' })).toThrow(ConfigError);
    expect(() => runSettings(['margin'], { SHUTDOWN_TIMEOUT_MS: 'soon' })).toThrow(/^SHUTDOWN_TIMEOUT_MS: /);
    expect(() => runSettings(['margin'], { HEALTH_PORT: '70000' })).toThrow(/^HEALTH_PORT: /);
    expect(() => runSettings(['margin', '--guarantee', 'maybe'], {})).toThrow(/^--guarantee: /);
    expect(() => runSettings(['margin'], { PROCESSING_GUARANTEE: 'maybe' })).toThrow(/^PROCESSING_GUARANTEE: /);
    expect(() => runSettings(['margin', '--brokers', 'nohost'], {})).toThrow('--brokers: "nohost" is not host:port');
  });
});
