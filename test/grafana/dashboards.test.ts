// The dashboards against real data: `npm start` (the embedded pipeline on a generated scenario, then live
// traffic) with its observability endpoints up, scraped by Debian's Prometheus; every PromQL expression in
// grafana/dashboards must evaluate without error and return at least one series.

import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apps } from '../../apps/registry.ts';
import { PROMETHEUS_INSTALL_TIMEOUT_MS, type RunningPrometheus, startPrometheus, ensurePrometheus } from '../helpers/prometheus.ts';

const ROOT = join(import.meta.dirname, '../..');
const DASHBOARDS = join(ROOT, 'grafana/dashboards');

interface Panel {
  title?: string;
  targets?: Array<{ expr?: string }>;
  panels?: Panel[];
}

/** Every expression of every panel (rows included) and of the query variables, as `dashboard / panel`. */
function dashboardQueries(): Array<{ where: string; expr: string }> {
  const out: Array<{ where: string; expr: string }> = [];
  for (const file of readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json'))) {
    const dashboard = JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8')) as {
      panels: Panel[];
      templating?: { list: Array<{ name: string; type: string; query?: { query?: string } | string }> };
    };
    const walk = (panels: readonly Panel[]) => {
      for (const panel of panels) {
        for (const target of panel.targets ?? []) if (target.expr !== undefined) out.push({ where: `${file} / ${panel.title}`, expr: target.expr });
        walk(panel.panels ?? []);
      }
    };
    walk(dashboard.panels);
    for (const variable of dashboard.templating?.list ?? []) {
      if (variable.type !== 'query') continue;
      const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
      // Grafana's label_values(metric, label) is not PromQL: the series it reads must exist.
      const labelValues = /^label_values\((.+),\s*(\w+)\)$/.exec(query);
      out.push({ where: `${file} / $${variable.name}`, expr: labelValues === null ? query : `count by (${labelValues[2]}) (${labelValues[1]})` });
    }
  }
  return out;
}

/** What Grafana would put in place of its variables: every app, and a rate window of several scrapes. */
function asPromQL(expr: string): string {
  return expr.replaceAll('$__rate_interval', '15s').replaceAll('$app', '.*');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('grafana dashboards on Prometheus', () => {
  let pipeline: ChildProcess | null = null;
  let prometheus: RunningPrometheus | null = null;
  const targets: string[] = [];
  let output = '';

  beforeAll(async () => {
    ensurePrometheus();
    pipeline = spawn(
      process.execPath,
      ['apps/start.ts', '--minutes', '4', '--accounts', '40', '--port', '0', '--metrics-port', '0', '--live', '100'],
      { cwd: ROOT, env: { ...process.env, CONSOLE_TOKEN: 'dashboard-test-token', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    pipeline.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const lines = createInterface({ input: pipeline.stdout! });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start did not expose every app within 45 s:\n${output}`)), 45_000);
      pipeline!.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
      lines.on('line', (line) => {
        output += `${line}\n`;
        const exposed = /^observability (\S+) http:\/\/(127\.0\.0\.1:\d+)/.exec(line);
        if (exposed !== null) targets.push(exposed[2]);
        if (line.startsWith('live traffic:')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(targets).toHaveLength(apps.length);
    prometheus = await startPrometheus(targets);
  }, PROMETHEUS_INSTALL_TIMEOUT_MS);

  afterAll(async () => {
    await prometheus?.stop();
    if (pipeline !== null && pipeline.exitCode === null) {
      const exited = new Promise((r) => pipeline!.once('exit', r));
      pipeline.kill('SIGTERM');
      const timer = setTimeout(() => pipeline!.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  });

  it('evaluates every dashboard expression to at least one series', async () => {
    const prom = prometheus!;
    // Until every app was scraped a few times: rate() needs two samples in its window.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const scrapes = await prom.query('count_over_time(up[1m]) >= 6 and up == 1');
      if (scrapes.length === targets.length) break;
      if (Date.now() > deadline) throw new Error(`not every target was scraped six times in 30 s: ${JSON.stringify(await prom.query('up'))}`);
      await sleep(500);
    }

    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(30);
    const failures: string[] = [];
    for (const { where, expr } of queries) {
      try {
        const series = await prom.query(asPromQL(expr));
        if (series.length === 0) failures.push(`${where}: no series for ${expr}`);
      } catch (error) {
        failures.push(`${where}: ${(error as Error).message} in ${expr}`);
      }
    }
    expect(failures).toEqual([]);

    // The scenario has to have made the events the risk panels exist for, and traffic kept flowing.
    const value = async (expr: string) => Number((await prom.query(expr))[0]?.value[1] ?? Number.NaN);
    expect(await value('sum(risk_orders_routed_total{decision="DROP"})')).toBeGreaterThan(0);
    expect(await value('sum(risk_killswitch_commands_total{action="KILL", outcome="applied"})')).toBeGreaterThan(0);
    expect(await value('sum(risk_breaches_total)')).toBeGreaterThan(0);
    expect(await value('sum(risk_margin_ladder_events_total)')).toBeGreaterThan(0);
    expect(await value('sum(rate(risk_orders_routed_total[15s]))')).toBeGreaterThan(0);
    expect(await value('sum(rate(streams_task_processed_records_total{app="order-router"}[15s]))')).toBeGreaterThan(0);

    const ms = async (expr: string) => ((await value(expr)) * 1000).toFixed(1);
    console.log(
      `scrape duration over the run: mean ${await ms('avg(avg_over_time(scrape_duration_seconds[1m]))')} ms, ` +
        `slowest ${await ms('max(max_over_time(scrape_duration_seconds[1m]))')} ms; up to ${await value('max(scrape_samples_scraped)')} samples per app`,
    );
  }, 60_000);
});
