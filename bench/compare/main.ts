// `npm run bench:compare [-- flags]`: Kafka Streams (Java) against our engine, same broker, same input, same
// configuration, one run. Prints a markdown table and writes bench/results/compare-<date>.json.
//
//   --records N          measured records per run (default 200000)
//   --warmup N           records each app processes before measuring (default 300000)
//   --runs N             app processes per cell (default 3)
//   --topologies a,b,c   filter, window, join (default all)
//   --guarantees …       at_least_once, exactly_once_v2 (default both)
//   --latency-ms N       milliseconds per latency level (default 4000); 0 skips latency
//   --no-ceiling         skip the client pass-through ceiling
//   --quix               add Quix Streams (Python, from PyPI into .cache/quix-venv) on (a) and (b), throughput only
//   --java-opt FLAG      extra JVM flag for the Kafka Streams side (repeatable)
//   --node-opt FLAG      extra Node flag for our side, e.g. --cpu-prof (repeatable)
//   --log-dir DIR        keep the children's stderr (and CPU profiles) there
//   --out FILE           where the JSON goes
//   --report FILE        only print the markdown of an earlier run's JSON
// KAFKA_BROKERS=host:port uses a running broker instead of starting one.
// Full size (millions of records per run, about an hour on 2 cores):
//   npm run bench:compare -- --records 2000000 --warmup 500000 --runs 5 --latency-ms 10000

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcessingGuarantee } from '../../runtime/config.ts';
import { type CompareOptions, type CompareResult, defaultCompareOptions, runCompare } from './compare.ts';
import { Engine } from './engines.ts';
import { describeMachine, type Machine, markdownReport } from './report.ts';
import type { TopologyKind } from './topologies.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const value = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const values = (name: string): string[] => args.flatMap((a, i) => (a === name && i + 1 < args.length ? [args[i + 1]] : []));
const number = (name: string, fallback: number) => {
  const v = value(name);
  if (v === undefined) return fallback;
  const parsed = Number(v.replaceAll('_', ''));
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${name} must be a whole number, got ${v}`);
  return parsed;
};
const aliases: Record<string, TopologyKind> = { a: 'filter', b: 'window', c: 'join', filter: 'filter', window: 'window', join: 'join' };

const latencyMs = number('--latency-ms', defaultCompareOptions.latency.levelMs);
const options: CompareOptions = {
  ...defaultCompareOptions,
  brokers: process.env.KAFKA_BROKERS?.split(',').map((b) => b.trim()),
  records: number('--records', defaultCompareOptions.records),
  warmUpRecords: number('--warmup', defaultCompareOptions.warmUpRecords),
  runs: number('--runs', defaultCompareOptions.runs),
  topologies: value('--topologies')?.split(',').map((t) => {
    const kind = aliases[t.trim()];
    if (kind === undefined) throw new Error(`--topologies: unknown topology ${t} (filter|a, window|b, join|c)`);
    return kind;
  }) ?? defaultCompareOptions.topologies,
  guarantees: (value('--guarantees')?.split(',') as ProcessingGuarantee[] | undefined) ?? defaultCompareOptions.guarantees,
  ceiling: !args.includes('--no-ceiling'),
  engines: args.includes('--quix') ? [...defaultCompareOptions.engines, Engine.QUIX_STREAMS] : defaultCompareOptions.engines,
  latency: latencyMs === 0 ? null : { ...defaultCompareOptions.latency, levelMs: latencyMs },
  javaOptions: values('--java-opt'),
  nodeOptions: values('--node-opt'),
  logDir: value('--log-dir'),
  log: (line) => process.stderr.write(`${line}\n`),
};

const earlier = value('--report');
if (earlier !== undefined) {
  const saved = JSON.parse(readFileSync(earlier, 'utf8')) as CompareResult & { options: CompareOptions; machine: Machine };
  console.log(markdownReport(saved, saved.options, saved.machine));
  process.exit(0);
}

const started = performance.now();
const machine = describeMachine();
const result = await runCompare(options);
const minutes = (performance.now() - started) / 60_000;
const markdown = markdownReport(result, options, machine);
console.log(`\n${markdown}\n\n(whole run: ${minutes.toFixed(1)} min)`);

const date = new Date().toISOString().slice(0, 10);
const out = resolve(value('--out') ?? join(here, '..', 'results', `compare-${date}.json`));
mkdirSync(dirname(out), { recursive: true });
const { log: _log, ...recorded } = options;
writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), minutes: Math.round(minutes * 10) / 10, machine, options: recorded, ...result, markdown }, null, 2)}\n`);
console.log(`results: ${out}`);
