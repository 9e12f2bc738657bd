// Windowed aggregation throughput: 60 s tumbling and hopping counts and 30 s-gap session counts per account, each
// on memory and RocksDB stores, driven straight through a StreamTask (JSON decode, aggregation, record cache,
// changelog, encode of the results) with a commit every COMMIT_EVERY records, as the runtime would between polls.
// A bare JSON decode/encode loop over the same records runs alongside, to read the others as a ratio.
// Run alone: node_modules/.bin/node bench/windows.ts

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StreamsMetrics } from '../common/metrics.ts';
import type { ConsumedRecord } from '../common/record.ts';
import { Serdes } from '../common/serdes.ts';
import { ManualClock } from '../common/time.ts';
import { streamsConfig } from '../runtime/config.ts';
import type { RecordCollector } from '../runtime/ports.ts';
import { StreamTask } from '../runtime/stream-task.ts';
import type { StoreType } from '../topology/options.ts';
import { StreamsBuilder } from '../topology/streams-builder.ts';
import type { Topology } from '../topology/topology.ts';
import { SessionWindows, TimeWindows } from '../topology/windows.ts';

export interface WindowBenchmarkResult {
  readonly name: string;
  /** Median of the runs. */
  readonly records_per_s: number;
  readonly runs: number[];
}

const RECORDS = 50_000;
/** A shorter first pass warms the JIT (and opens RocksDB once) before the measured runs. */
const WARM_UP_RECORDS = 10_000;
const RUNS = 3;
const ACCOUNTS = 1_000;
/** Event time between two orders: 50k orders span ~8 minutes, so windows open and close throughout. */
const EVENT_SPACING_MS = 10;
const COMMIT_EVERY = 10_000;
const START_TS = 1_732_000_000_000;
const SYMBOLS = ['NVDA', 'AAPL', 'MSFT', 'AMZN', 'TSLA', 'META'];

interface Order {
  order_id: string;
  account_id: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  qty: number;
  price: number;
  ts: number;
}

/** Deterministic orders of ~166 bytes of JSON each, keyed by account (a few hot accounts, a long tail). */
function orders(count: number): ConsumedRecord[] {
  let seed = 42;
  const random = () => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return seed / 0x1_0000_0000;
  };
  const out: ConsumedRecord[] = [];
  for (let i = 0; i < count; i++) {
    const account = `A${String(Math.floor(ACCOUNTS * random() * random())).padStart(5, '0')}`;
    const ts = START_TS + i * EVENT_SPACING_MS;
    const order: Order = {
      order_id: `ord-${String(i).padStart(12, '0')}-${Math.floor(random() * 0xffff_ffff).toString(16).padStart(8, '0')}-xnas-desk07-algo-twap-vwap-0000`,
      account_id: account,
      symbol: SYMBOLS[i % SYMBOLS.length],
      side: random() < 0.5 ? 'BUY' : 'SELL',
      qty: 100,
      price: 431.25,
      ts,
    };
    out.push({
      topic: 'orders',
      partition: 0,
      offset: BigInt(i),
      key: Buffer.from(account),
      value: Buffer.from(JSON.stringify(order)),
      timestamp: ts,
      headers: {},
    });
  }
  return out;
}

function topology(kind: 'tumbling' | 'hopping' | 'session', storeType: StoreType): Topology {
  const b = new StreamsBuilder({ defaultStoreType: storeType });
  const grouped = b.stream<string, Order>('orders', { keySerde: Serdes.String(), valueSerde: Serdes.Json<Order>() }).groupByKey();
  const counts =
    kind === 'session'
      ? grouped.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(30_000)).count({ storeName: 'counts' })
      : grouped
          .windowedBy(kind === 'tumbling' ? TimeWindows.ofSizeWithNoGrace(60_000) : TimeWindows.ofSizeWithNoGrace(60_000).advanceBy(10_000))
          .count({ storeName: 'counts' });
  counts.toStream().to('order-counts');
  return b.build();
}

/** One pass over the records through a fresh task (fresh stores); records per second. */
function runTask(build: Topology, records: readonly ConsumedRecord[]): { perSecond: number; produced: number } {
  const stateDir = mkdtempSync(join(tmpdir(), 'risk-streams-bench-windows-'));
  let produced = 0;
  const collector: RecordCollector = {
    send: () => {
      produced++;
    },
    partitionsFor: () => 1,
  };
  const config = streamsConfig({ applicationId: 'bench-windows', stateDir });
  const subtopology = build.subtopologies()[0];
  const task = new StreamTask({
    topology: build,
    subtopology,
    partition: 0,
    config,
    collector,
    clock: new ManualClock(0),
    metrics: new StreamsMetrics('info'),
    globalStores: new Map(),
    resolveTopic: (topic) => topic,
  });
  try {
    task.initialize();
    const started = performance.now();
    for (let i = 0; i < records.length; i++) {
      task.process(records[i]);
      task.maybePunctuateStreamTime();
      if ((i + 1) % COMMIT_EVERY === 0) task.prepareCommit();
    }
    task.prepareCommit();
    const seconds = (performance.now() - started) / 1000;
    return { perSecond: records.length / seconds, produced };
  } finally {
    task.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** The floor under every topology above: decode each value and encode a result of similar size. */
function jsonLoop(records: readonly ConsumedRecord[]): number {
  const started = performance.now();
  let bytes = 0;
  for (const record of records) {
    const order = JSON.parse(record.value!.toString('utf8')) as Order;
    bytes += Buffer.from(JSON.stringify({ account_id: order.account_id, count: order.qty })).length;
  }
  const seconds = (performance.now() - started) / 1000;
  if (bytes === 0) throw new Error('nothing encoded');
  return records.length / seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >>> 1];
}

export async function runWindowBenchmarks(): Promise<WindowBenchmarkResult[]> {
  const records = orders(RECORDS);
  const warmUp = records.slice(0, WARM_UP_RECORDS);
  const results: WindowBenchmarkResult[] = [];
  const measure = (name: string, run: (input: readonly ConsumedRecord[]) => number) => {
    run(warmUp);
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(Math.round(run(records)));
    results.push({ name, records_per_s: median(runs), runs });
  };
  measure('json decode+encode (baseline)', jsonLoop);
  for (const kind of ['tumbling', 'hopping', 'session'] as const) {
    for (const storeType of ['in-memory', 'rocksdb'] as const) {
      const built = topology(kind, storeType);
      const label = kind === 'tumbling' ? 'tumbling 60s count' : kind === 'hopping' ? 'hopping 60s/10s count' : 'session 30s-gap count';
      measure(`${label} (${storeType})`, (input) => runTask(built, input).perSecond);
    }
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const records = orders(1_000);
  const meanBytes = records.reduce((sum, r) => sum + r.value!.length, 0) / records.length;
  const results = await runWindowBenchmarks();
  const baseline = results[0].records_per_s;
  console.log(`orders: ${RECORDS} × ~${meanBytes.toFixed(0)} B JSON, ${ACCOUNTS} accounts, commit every ${COMMIT_EVERY}`);
  for (const r of results) {
    const ratio = (r.records_per_s / baseline).toFixed(2);
    console.log(`${r.name.padEnd(40)} ${String(r.records_per_s).padStart(9)} rec/s  ×${ratio} of json  runs ${r.runs.join(', ')}`);
  }
}
