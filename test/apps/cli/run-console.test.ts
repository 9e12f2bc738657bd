import { describe, expect, it } from 'vitest';
import { consoleRunSettings } from '../../../apps/cli/run-console.ts';
import { ConfigError } from '../../../common/errors.ts';

const TOKEN = { CONSOLE_TOKEN: 'tok' };

describe('risk-streams run console: settings', () => {
  it('stays on loopback, strict about the Host, by default', () => {
    expect(consoleRunSettings([], TOKEN)).toEqual({
      applicationId: 'console',
      brokers: [],
      shutdownTimeoutMs: 30_000,
      port: 8088,
      host: '127.0.0.1',
      allowedHosts: [],
      enforcementApplicationId: 'enforcement',
    });
  });

  it('takes what the deployment sets: every interface, and the load balancer\'s name', () => {
    const s = consoleRunSettings([], {
      ...TOKEN,
      CONSOLE_PORT: '8088',
      CONSOLE_HOST: '0.0.0.0',
      CONSOLE_ALLOWED_HOSTS: 'internal-Risk-Conso-1.us-east-1.elb.amazonaws.com,risk-console.example.com',
      ENFORCEMENT_APPLICATION_ID: 'enforcement-blue',
      HEALTH_PORT: '8088',
    });
    expect(s).toMatchObject({ host: '0.0.0.0', port: 8088, allowedHosts: ['internal-risk-conso-1.us-east-1.elb.amazonaws.com', 'risk-console.example.com'], enforcementApplicationId: 'enforcement-blue' });
    const flags = consoleRunSettings(['--brokers', 'b:9092', '--port', '0', '--host', '::', '--allowed-hosts', 'console.internal', '--enforcement-id', 'enf'], { ...TOKEN, CONSOLE_PORT: '9000' });
    expect(flags).toMatchObject({ brokers: ['b:9092'], port: 0, host: '::', allowedHosts: ['console.internal'], enforcementApplicationId: 'enf' });
  });

  it('refuses another interface without the names it is reached by, a bad name, or no token', () => {
    expect(() => consoleRunSettings(['--host', '0.0.0.0'], TOKEN)).toThrow(/not a loopback address.*CONSOLE_ALLOWED_HOSTS/);
    expect(() => consoleRunSettings([], { ...TOKEN, CONSOLE_HOST: '10.0.0.5', CONSOLE_ALLOWED_HOSTS: ' , ' })).toThrow(ConfigError);
    expect(() => consoleRunSettings(['--allowed-hosts', 'console:8088'], TOKEN)).toThrow(/^--allowed-hosts: "console:8088"/);
    expect(() => consoleRunSettings([], { ...TOKEN, CONSOLE_ALLOWED_HOSTS: '*.example.com' })).toThrow(/^CONSOLE_ALLOWED_HOSTS: /);
    expect(() => consoleRunSettings([], { CONSOLE_TOKEN: ' ' })).toThrow(/^CONSOLE_TOKEN: /);
    expect(() => consoleRunSettings(['--port', '70000'], TOKEN)).toThrow(/^--port: /);
    expect(() => consoleRunSettings(['--health-port', '1'], TOKEN)).toThrow('unknown option --health-port');
  });
});
