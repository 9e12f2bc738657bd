// `npm run bench [-- --json] [-- --records N] [-- --runs N]`: every benchmark in one run, side by side.
// Plain output is a table; --json prints one JSON object per line for tracking figures across runs.

import { runEngineBenchmarks } from './engine.ts';
import { type BenchResult, median, orderRecords, result } from './fixtures.ts';
import { runJoinBenchmarks } from './joins.ts';
import { embeddedKillLatency, type LatencyResult, replayThroughput } from './pipeline.ts';
import { runWindowBenchmarks } from './windows.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const json = args.includes('--json');
/** `--only engine,windows,joins,pipeline` runs a subset. */
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? new Set(args[onlyIndex + 1].split(',')) : null;
const wanted = (name: string) => only === null || only.has(name);
const count = flag('--records', 200_000);
const runs = flag('--runs', 5);

const records = orderRecords(count);
const avgBytes = Math.round(records.reduce((n, r) => n + r.value!.length, 0) / records.length);
const results: BenchResult[] = wanted('engine') ? runEngineBenchmarks(records, runs) : [];
const ceiling = results.find((r) => r.name.startsWith('bare'))?.median ?? null;
if (wanted('windows')) {
  // Their own bare loop runs beside them (a different record count): ratios stay within one suite.
  const windows = await runWindowBenchmarks();
  const bare = windows.find((w) => w.name.toLowerCase().includes('bare') || w.name.toLowerCase().includes('decode'));
  for (const w of windows) results.push(result(`windows: ${w.name}`, w.runs, bare === undefined ? ceiling : median(bare.runs)));
}
if (wanted('joins')) for (const j of await runJoinBenchmarks()) results.push({ ...j, name: `joins: ${j.name}` });
let latency: LatencyResult | null = null;
if (wanted('pipeline')) {
  results.push(await replayThroughput(10, Math.min(runs, 3)));
  latency = embeddedKillLatency(2_000);
}

if (json) {
  for (const r of results) console.log(JSON.stringify({ ...r, records: count, record_bytes: avgBytes }));
  if (latency !== null) console.log(JSON.stringify(latency));
} else {
  console.log(`${count} order records of ~${avgBytes} bytes, ${runs} runs each after a warm-up (median, min–max)\n`);
  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(`${pad('benchmark', 64)} ${pad('records/s', 11)} ${pad('ratio', 7)} min–max`);
  for (const r of results) {
    const ratio = r.ratio_to_ceiling === null ? '' : r.ratio_to_ceiling.toFixed(2);
    console.log(`${pad(r.name, 64)} ${pad(r.records_per_s.toLocaleString('en-US'), 11)} ${pad(ratio, 7)} ${r.min.toLocaleString('en-US')}–${r.max.toLocaleString('en-US')}`);
  }
  if (latency !== null) {
    console.log(`\n${latency.name}: p50 ${latency.p50_us} µs, p99 ${latency.p99_us} µs, max ${latency.max_us} µs (${latency.samples} samples)`);
  }
}
