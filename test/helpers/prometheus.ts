// Debian's Prometheus for the dashboard test: installed with apt-get when missing and the tests run as root,
// otherwise a failure that names the package. Started on the loopback interface with a throwaway config and
// data directory; queried through its HTTP API.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROMETHEUS_PATH = '/usr/bin/prometheus';
export const PROMETHEUS_INSTALL_TIMEOUT_MS = 10 * 60_000;

export function ensurePrometheus(): string {
  if (existsSync(PROMETHEUS_PATH)) return PROMETHEUS_PATH;
  if (process.getuid?.() !== 0) {
    throw new Error(`${PROMETHEUS_PATH} is missing: install the Debian package \`prometheus\` (sudo apt-get install -y prometheus), then run the tests again`);
  }
  const result = spawnSync('sh', ['-c', 'apt-get update && apt-get install -y prometheus'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
    timeout: PROMETHEUS_INSTALL_TIMEOUT_MS - 30_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0 || !existsSync(PROMETHEUS_PATH)) {
    const tail = `${result.stdout ?? ''}\n${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    const why = result.error !== undefined ? result.error.message : `exit ${result.status}`;
    throw new Error(`installing the Debian package \`prometheus\` with apt-get failed (${why}):\n${tail}`);
  }
  return PROMETHEUS_PATH;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningPrometheus {
  readonly url: string;
  /** Runs an instant query; rejects when Prometheus answers with an error. */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  stop(): Promise<void>;
}

export async function startPrometheus(targets: readonly string[], options: { scrapeIntervalSeconds?: number } = {}): Promise<RunningPrometheus> {
  const binary = ensurePrometheus();
  const dir = mkdtempSync(join(tmpdir(), 'risk-streams-prometheus-'));
  const interval = options.scrapeIntervalSeconds ?? 1;
  const config = [
    'global:',
    `  scrape_interval: ${interval}s`,
    `  scrape_timeout: ${interval}s`,
    `  evaluation_interval: ${interval}s`,
    'scrape_configs:',
    '  - job_name: risk-streams',
    '    static_configs:',
    `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    binary,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${stderr}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus did not become ready within 20 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    async query(expr) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: unknown } };
      if (body.status !== 'success') throw new Error(body.error ?? `HTTP ${response.status}`);
      const { resultType, result } = body.data!;
      if (resultType === 'scalar') return [{ metric: {}, value: result as [number, string] }];
      return result as Array<{ metric: Record<string, string>; value: [number, string] }>;
    },
    stop,
  };
}
