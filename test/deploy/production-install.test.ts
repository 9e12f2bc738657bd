// The image without Docker: the files the Dockerfile copies, `npm ci --omit=dev --ignore-scripts` as its
// dependency stage runs it (from the npm cache where it can), then the CLI and the RocksDB binding on Node 24.

import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageFiles, REPO } from './image-context.ts';

/** Node 24, as in the image: this process if it is one, else the project's own node package. */
function node24(): string {
  if (Number(process.versions.node.split('.')[0]) >= 24) return process.execPath;
  return join(REPO, 'node_modules/node/bin/node');
}

function sizeOf(path: string): number {
  const s = statSync(path, { throwIfNoEntry: false });
  if (s === undefined || s.isSymbolicLink()) return 0;
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((n, e) => n + sizeOf(join(path, e)), 0);
}

let app: string;
let installMs = 0;

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'risk-streams-image-'));
  for (const f of imageFiles()) {
    mkdirSync(dirname(join(app, f)), { recursive: true });
    cpSync(join(REPO, f), join(app, f));
  }
  const started = performance.now();
  execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: app,
    stdio: 'pipe',
    env: { ...process.env, npm_config_update_notifier: 'false' },
    timeout: 150_000,
  });
  installMs = performance.now() - started;
}, 180_000);

afterAll(() => {
  if (app !== undefined) rmSync(app, { recursive: true, force: true });
});

describe('production-only install', () => {
  it('installs the runtime dependencies and none of the development ones', () => {
    const installed = readdirSync(join(app, 'node_modules'));
    for (const runtime of ['@platformatic', '@nxtedition', 'zod', 'fastify', '@aws-sdk']) expect(installed).toContain(runtime);
    for (const dev of ['aws-cdk-lib', 'aws-cdk', 'cdk-nag', 'vitest', 'typescript', 'eslint', 'node', 'fast-check']) expect(installed).not.toContain(dev);
    const mib = sizeOf(join(app, 'node_modules')) / 2 ** 20;
    process.stderr.write(`[deploy] production node_modules: ${mib.toFixed(1)} MiB, npm ci ${Math.round(installMs)} ms\n`);
    expect(mib).toBeLessThan(400);
  });

  it('runs `node bin/risk-streams.ts describe order-router` on Node 24', () => {
    const result = spawnSync(node24(), ['bin/risk-streams.ts', 'describe', 'order-router'], { cwd: app, encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('orders.v1');
    expect(result.stdout).toContain('killswitch.state.v1');
  });

  it('loads every service the deployment starts, and the topic task, as far as the missing brokers', () => {
    const { KAFKA_BROKERS: _brokers, ...env } = process.env;
    const runs: Array<[string, string[], Record<string, string>]> = [
      ['generator', ['bin/risk-streams.ts', 'run', 'generator'], {}],
      ['console', ['bin/risk-streams.ts', 'run', 'console'], { CONSOLE_TOKEN: 'probe' }],
      ['margin', ['bin/risk-streams.ts', 'run', 'margin'], {}],
      ['topics', ['deploy/provision/main.ts'], { TOPIC_PLAN: '[{"name":"orders.v1","partitions":3}]', TOPIC_CLUSTER_PROFILE: 'msk-serverless' }],
    ];
    for (const [name, args, extra] of runs) {
      const result = spawnSync(node24(), args, { cwd: app, encoding: 'utf8', timeout: 30_000, env: { ...env, ...extra } });
      expect({ name, status: result.status, stderr: result.stderr.includes('brokers: none given') }).toEqual({ name, status: 1, stderr: true });
    }
  });

  it('loads the prebuilt RocksDB binding and opens a database, nothing compiled', () => {
    expect(existsSync(join(app, 'node_modules/@nxtedition/rocksdb/build'))).toBe(false);
    const dir = join(app, 'rocksdb-probe');
    const probe = `
      const binding = require('@nxtedition/rocksdb/binding.js');
      const db = binding.db_init(process.env.PROBE_DIR);
      binding.db_open(db, { createIfMissing: true }, (error) => {
        if (error) throw error;
        binding.db_close(db, (closeError) => {
          if (closeError) throw closeError;
          console.log('binding ok');
        });
      });`;
    const result = spawnSync(node24(), ['-e', probe], { cwd: app, encoding: 'utf8', timeout: 30_000, env: { ...process.env, PROBE_DIR: dir } });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('binding ok');
  });
});
