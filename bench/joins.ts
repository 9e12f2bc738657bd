// Joins against the bare decode/encode loop on the same ~166-byte order records, in one run: the stream-table
// join (orders enriched with their account) and the foreign-key join (positions keyed "account|symbol" valued at
// their symbol's price, through the subscription and response topics), each on the memory and RocksDB engines.
// Run alone: node_modules/.bin/node bench/joins.ts

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamsMetrics } from '../common/metrics.ts';
import type { ConsumedRecord, ProducedRecord } from '../common/record.ts';
import { Serdes } from '../common/serdes.ts';
import { ManualClock } from '../common/time.ts';
import { streamsConfig } from '../runtime/config.ts';
import { StreamTask } from '../runtime/stream-task.ts';
import { Consumed, Produced, type StoreType } from '../topology/options.ts';
import { StreamsBuilder } from '../topology/streams-builder.ts';
import type { Topology } from '../topology/topology.ts';
import { type BenchResult, measure, orderRecords, result } from './fixtures.ts';

interface Order {
  order_id: string;
  account_id: string;
  symbol: string;
  side: string;
  qty: number;
  price: number;
  ts: number;
}

const STREAM_TABLE_RECORDS = 100_000;
const FOREIGN_KEY_RECORDS = 40_000;
const RUNS = 3;
/** Records between commits (caches flush, RocksDB writes its batch), as in engine.ts. */
const COMMIT_EVERY = 20_000;
const SYMBOLS = ['NVDA', 'AAPL', 'MSFT', 'AMZN', 'GOOG', 'META', 'TSLA', 'AMD'];

/**
 * Every sub-topology as a task on partition 0, with internal topics fed back in: records written to them are
 * consumed after the batch that produced them, as a later poll would.
 */
class BenchTasks {
  readonly #tasks: StreamTask[] = [];
  readonly #byTopic = new Map<string, StreamTask>();
  readonly #internal = new Set<string>();
  #queue: ProducedRecord[] = [];
  #offset = 0n;
  sent = 0;

  constructor(topology: Topology, stateDir: string) {
    const config = streamsConfig({ applicationId: 'bench', stateDir, cacheMaxBytes: 32 * 1024 * 1024 });
    const resolveTopic = (t: string) => (topology.isInternalTopic(t) ? `bench-${t}` : t);
    for (const t of topology.internalTopics()) this.#internal.add(resolveTopic(t.name));
    const collector = {
      send: (record: ProducedRecord) => {
        if (this.#internal.has(record.topic)) this.#queue.push(record);
        else this.sent++;
      },
      partitionsFor: () => 1,
    };
    for (const subtopology of topology.subtopologies()) {
      const task = new StreamTask({
        topology,
        subtopology,
        partition: 0,
        config,
        collector,
        clock: new ManualClock(0),
        metrics: new StreamsMetrics('info'),
        globalStores: new Map(),
        resolveTopic,
      });
      task.initialize();
      this.#tasks.push(task);
      for (const topic of task.inputTopics) this.#byTopic.set(topic, task);
    }
  }

  run(records: readonly ConsumedRecord[]): void {
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      this.#byTopic.get(record.topic)!.process(record);
      if (i % COMMIT_EVERY === COMMIT_EVERY - 1) this.#commit();
    }
    this.#commit();
  }

  close(): void {
    for (const task of this.#tasks) task.close();
  }

  /** Commits every task, then consumes what they wrote to internal topics, until nothing is left. */
  #commit(): void {
    for (;;) {
      for (const task of this.#tasks) task.prepareCommit();
      if (this.#queue.length === 0) return;
      const batch = this.#queue;
      this.#queue = [];
      for (const r of batch) {
        this.#byTopic.get(r.topic)!.process({ ...r, partition: 0, offset: this.#offset++ });
      }
    }
  }
}

function consumed(topic: string, key: string, value: unknown, i: number): ConsumedRecord {
  return {
    topic,
    partition: 0,
    offset: BigInt(i),
    key: Buffer.from(key),
    value: Buffer.from(JSON.stringify(value)),
    timestamp: 1_732_000_000_000 + i,
    headers: {},
  };
}

function streamTableJoin(storeType: StoreType, stateDir: string, orders: readonly ConsumedRecord[]): number[] {
  const b = new StreamsBuilder({ defaultStoreType: storeType });
  const json = Serdes.Json<any>();
  const accounts = b.table<string, { desk: string; limit: number }>('accounts', Consumed.with(Serdes.String(), json));
  b.stream<string, Order>('orders', Consumed.with(Serdes.String(), json))
    .join(accounts, (order, account) => ({ ...order, desk: account.desk, over_limit: order.qty * order.price > account.limit }))
    .to('enriched', Produced.with(Serdes.String(), json));
  const tasks = new BenchTasks(b.build(), stateDir);
  const accountIds = new Set(orders.map((r) => r.key!.toString()));
  tasks.run([...accountIds].map((id, i) => consumed('accounts', id, { desk: `DESK-${i % 7}`, limit: 5_000_000 }, i)));
  const rates = measure(orders.length, RUNS, () => tasks.run(orders));
  tasks.close();
  return rates;
}

function foreignKeyJoin(storeType: StoreType, stateDir: string, orders: readonly ConsumedRecord[]): number[] {
  const b = new StreamsBuilder({ defaultStoreType: storeType });
  const json = Serdes.Json<any>();
  const positions = b.table<string, Order>('positions', Consumed.with(Serdes.String(), json));
  const prices = b.table<string, { price: number }>('prices', Consumed.with(Serdes.String(), json));
  positions
    .join(prices, (order) => order.symbol, (order, mark) => ({ ...order, mark: mark.price, pnl: (mark.price - order.price) * order.qty }))
    .toStream()
    .to('valued', Produced.with(Serdes.String(), json));
  const tasks = new BenchTasks(b.build(), stateDir);
  tasks.run(SYMBOLS.map((symbol, i) => consumed('prices', symbol, { price: 100 + i }, i)));
  // The same order bytes, keyed by position: account|symbol.
  const updates = orders.map((r) => {
    const order = JSON.parse(r.value!.toString('utf8')) as Order;
    return { ...r, topic: 'positions', key: Buffer.from(`${order.account_id}|${order.symbol}`) };
  });
  const rates = measure(updates.length, RUNS, () => tasks.run(updates));
  tasks.close();
  return rates;
}

export async function runJoinBenchmarks(): Promise<BenchResult[]> {
  const stateDir = mkdtempSync(join(tmpdir(), 'risk-streams-bench-joins-'));
  const results: BenchResult[] = [];
  try {
    const orders = orderRecords(STREAM_TABLE_RECORDS);
    let sink = 0;
    const bare = measure(orders.length, RUNS, () => {
      for (const r of orders) {
        const order = JSON.parse(r.value!.toString('utf8')) as Order;
        sink += Buffer.from(JSON.stringify({ ...order, notional: order.qty * order.price }), 'utf8').length;
      }
    });
    const ceiling = result('bare decode/encode loop (join inputs)', bare, null);
    results.push({ ...ceiling, ratio_to_ceiling: 1 });
    for (const storeType of ['in-memory', 'rocksdb'] as const) {
      const rates = streamTableJoin(storeType, join(stateDir, `stream-table-${storeType}`), orders);
      results.push(result(`stream-table join (${storeType})`, rates, ceiling.median));
    }
    const fkOrders = orders.slice(0, FOREIGN_KEY_RECORDS);
    for (const storeType of ['in-memory', 'rocksdb'] as const) {
      const rates = foreignKeyJoin(storeType, join(stateDir, `foreign-key-${storeType}`), fkOrders);
      results.push(result(`foreign-key join (${storeType})`, rates, ceiling.median));
    }
    if (sink < 0) console.log(sink);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
  return results;
}

if (import.meta.main) {
  const started = performance.now();
  for (const r of await runJoinBenchmarks()) {
    const ratio = r.ratio_to_ceiling === null ? '' : ` (${r.ratio_to_ceiling.toFixed(3)} of the bare loop)`;
    console.log(`${r.name.padEnd(40)} ${r.records_per_s.toLocaleString('en-US').padStart(10)} records/s${ratio}  runs ${r.runs.join(', ')}`);
  }
  console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
