// `npm run bench [-- --json] [-- --records N] [-- --runs N]`: every benchmark in one run, side by side.
// Plain output is a table; --json prints one JSON object per line for tracking figures across runs.

import { runEngineBenchmarks } from './engine.ts';
import { type BenchResult, orderRecords } from './fixtures.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const json = args.includes('--json');
const count = flag('--records', 200_000);
const runs = flag('--runs', 5);

const records = orderRecords(count);
const avgBytes = Math.round(records.reduce((n, r) => n + r.value!.length, 0) / records.length);
const results: BenchResult[] = runEngineBenchmarks(records, runs);

if (json) {
  for (const r of results) console.log(JSON.stringify({ ...r, records: count, record_bytes: avgBytes }));
} else {
  console.log(`${count} order records of ~${avgBytes} bytes, ${runs} runs each after a warm-up (median, min–max)\n`);
  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(`${pad('benchmark', 48)} ${pad('records/s', 11)} ${pad('ratio', 7)} min–max`);
  for (const r of results) {
    const ratio = r.ratio_to_ceiling === null ? '' : r.ratio_to_ceiling.toFixed(2);
    console.log(`${pad(r.name, 48)} ${pad(r.records_per_s.toLocaleString('en-US'), 11)} ${pad(ratio, 7)} ${r.min.toLocaleString('en-US')}–${r.max.toLocaleString('en-US')}`);
  }
}
