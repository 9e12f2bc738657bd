// `risk-streams run generator` and `risk-streams run console` as the deployment starts them, against the real
// broker: each serves /health and /metrics, does its work on the contract's topics, and exits 0 on SIGTERM.

import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createContractTopics } from '../../../apps/cli/kafka-pipeline.ts';
import type { Fill, KillCommand } from '../../../apps/schemas/records.ts';
import { Topics } from '../../../apps/schemas/topics.ts';
import { eventually, kafkaBrokers, readTopic, uniqueName } from '../../helpers/kafka.ts';

const PARTITIONS = 3;
const CLI = join(import.meta.dirname, '../../../bin/risk-streams.ts');
const SHUTDOWN_TIMEOUT_MS = 10_000;

beforeAll(async () => {
  await createContractTopics({ brokers: kafkaBrokers() }, PARTITIONS);
});

interface Started {
  readonly child: ChildProcess;
  readonly log: () => string;
  readonly exited: Promise<{ code: number | null; at: number }>;
}

function start(args: string[], env: Record<string, string>): Started {
  const child = spawn(process.execPath, [CLI, 'run', ...args, '--brokers', kafkaBrokers().join(',')], {
    env: { ...process.env, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS), HEALTH_PORT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.once('exit', (code) => resolve({ code, at: performance.now() })));
  return { child, log: () => log, exited };
}

/** The first log line with this message, parsed. */
const logLine = (log: string, msg: string): Record<string, unknown> | undefined =>
  log
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((l) => l.msg === msg);

async function stopsCleanly({ child, log, exited }: Started): Promise<void> {
  const signalled = performance.now();
  child.kill('SIGTERM');
  const { code, at } = await exited;
  expect({ code, log: code === 0 ? '' : log() }).toEqual({ code: 0, log: '' });
  expect(at - signalled).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
  expect(logLine(log(), 'shut down')).toMatchObject({ reason: 'SIGTERM', closed: true, code: 0 });
}

describe('risk-streams run generator', () => {
  it('produces the scenario live, serves /health and /metrics, and exits 0 on SIGTERM', async () => {
    const started = start(['generator', '--rate', '50', '--health-port', '0'], { KAFKA_APPLICATION_ID: uniqueName('generator') });
    try {
      const running = await eventually(() => logLine(started.log(), 'generator running'), 60_000, `the generator running:\n${started.log()}`);
      const url = running.health as string;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'UP', app: 'generator' });
      // Margin accounts deposit and buy in the session's first seconds.
      const metrics = await eventually(async () => {
        const text = await (await fetch(`${url}/metrics`)).text();
        return /generator_records_produced_total\{topic="fills\.v1"\} [1-9]/.test(text) && /topic="orders\.v1"\} [1-9]/.test(text) ? text : undefined;
      }, 60_000, 'fills and orders produced');
      expect(metrics).toContain('process_cpu_seconds_total');
      const fills = (await readTopic(Topics.FILLS, PARTITIONS)).map((r) => JSON.parse(r.value!.toString()) as Fill);
      expect(fills.some((f) => /^g\d+-f-/.test(f.fill_id))).toBe(true);
      await stopsCleanly(started);
    } finally {
      if (started.child.exitCode === null) started.child.kill('SIGKILL');
    }
  });
});

describe('risk-streams run console', () => {
  it('serves the console on the cluster\'s topics, writes a kill, and exits 0 on SIGTERM', async () => {
    const token = randomUUID();
    const started = start(['console', '--port', '0'], { CONSOLE_TOKEN: token, KAFKA_APPLICATION_ID: uniqueName('console') });
    try {
      const serving = await eventually(() => logLine(started.log(), 'console serving'), 60_000, `the console serving:\n${started.log()}`);
      const url = serving.url as string;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${url}/health`)).status).toBe(200);
      expect((await fetch(`${url}/api/killswitch`)).status).toBe(200);
      expect(await (await fetch(`${url}/metrics`)).text()).toContain('process_cpu_seconds_total');
      const scope = `ACCOUNT:${uniqueName('run-console')}`;
      const kill = await fetch(`${url}/api/kill`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ scope, reason: 'run console test', operator: 'tester' }),
      });
      expect(kill.status).toBe(202);
      const written = await eventually(async () => {
        const commands = (await readTopic(Topics.KILLSWITCH_COMMANDS, PARTITIONS)).map((r) => JSON.parse(r.value!.toString()) as KillCommand);
        return commands.find((c) => c.scope === scope);
      }, 30_000, 'the kill on killswitch.commands.v1');
      expect(written).toMatchObject({ action: 'KILL', triggered_by: 'operator', operator: 'tester' });
      expect(started.log()).not.toContain(token);
      await stopsCleanly(started);
    } finally {
      if (started.child.exitCode === null) started.child.kill('SIGKILL');
    }
  });
});
