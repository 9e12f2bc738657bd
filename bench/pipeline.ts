// The risk pipeline as a whole: replay throughput (orders/s through all five apps, record files in and out)
// and the embedded kill latency — from a KILL command entering the aggregator to the router dropping that
// scope's next order, every step the real app code on the embedded runtime.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { riskConfig } from '../apps/config.ts';
import { generateScenario } from '../apps/generator/scenario.ts';
import { appendInput, createPipeline, producedRecords, runPipeline } from '../apps/pipeline.ts';
import type { KillCommand, Order, RouterAudit } from '../apps/schemas/records.ts';
import { Topics } from '../apps/schemas/topics.ts';
import { readRecordFile, writeRecordFile } from '../runtime/replay/record-files.ts';
import { type BenchResult, median, result } from './fixtures.ts';

export interface LatencyResult {
  readonly name: string;
  readonly samples: number;
  readonly p50_us: number;
  readonly p99_us: number;
  readonly max_us: number;
}

/** Orders/s from files to files through all five apps (generation not timed). */
export async function replayThroughput(minutes: number, runs: number): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-replay-'));
  try {
    const files = generateScenario({ minutes, accounts: 500 });
    for (const [topic, records] of files) await writeRecordFile(join(dir, `${topic}.jsonl`), records);
    const orders = files.get(Topics.ORDERS)!.length;
    const rates: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const started = performance.now();
      const inputs = new Map([...files.keys()].map((t) => [t, readRecordFile(join(dir, `${t}.jsonl`))]));
      const pipeline = createPipeline(inputs, { config: riskConfig() });
      runPipeline(pipeline);
      for (const [topic, records] of producedRecords(pipeline)) await writeRecordFile(join(dir, `out-${topic}.jsonl`), records);
      for (const app of pipeline.apps.values()) app.close();
      if (i > 0) rates.push(orders / ((performance.now() - started) / 1000)); // run 0 warms up
    }
    return result(`replay, all five apps (${orders.toLocaleString('en-US')} orders, files → files)`, rates, null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** KILL appended → aggregator applies it → router's global table updated → next order of the scope dropped. */
export function embeddedKillLatency(samples: number): LatencyResult {
  const pipeline = createPipeline(new Map(), { config: riskConfig(), apps: undefined });
  const aggregator = pipeline.apps.get('killswitch-aggregator')!;
  const router = pipeline.apps.get('order-router')!;
  const others = [...pipeline.apps.values()].filter((a) => a !== aggregator && a !== router);
  const latencies: number[] = [];
  let ts = 1_800_000_000_000;
  for (let i = 0; i < samples + 100; i++) {
    const account = `K${i}`;
    const kill: KillCommand = {
      cmd_id: `bench-${i}`,
      ts: ++ts,
      scope: `ACCOUNT:${account}`,
      action: 'KILL',
      reason: 'bench',
      triggered_by: 'operator',
      corr_id: `c${i}`,
    };
    const order: Order = { order_id: `o${i}`, ts: ++ts, account_id: account, symbol: 'NVDA', side: 'BUY', qty: 1, price: 1 };
    const started = process.hrtime.bigint();
    appendInput(pipeline, Topics.KILLSWITCH_COMMANDS, { timestamp: kill.ts, key: kill.scope, value: kill });
    aggregator.step(); // command → state record
    router.step(); // state record → global table
    appendInput(pipeline, Topics.ORDERS, { timestamp: order.ts, key: account, value: order });
    router.step(); // the order → DROP
    const elapsed = Number(process.hrtime.bigint() - started) / 1000;
    if (i >= 100) latencies.push(elapsed);
    // Keep the other apps' queues from growing; not timed.
    for (const app of others) while (app.step());
  }
  const audits = producedRecords(pipeline).get(Topics.AUDIT)!.map((r) => r.value as RouterAudit);
  const drops = audits.filter((a) => a.service === 'order_router' && a.decision === 'DROP').length;
  if (drops !== samples + 100) throw new Error(`kill latency bench: expected every order dropped, got ${drops}`);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    name: 'embedded kill latency (command → next order of the scope dropped)',
    samples,
    p50_us: Math.round(median(latencies) * 10) / 10,
    p99_us: Math.round(at(0.99) * 10) / 10,
    max_us: Math.round(latencies[latencies.length - 1] * 10) / 10,
  };
}
