// The engine against the bare decode/encode loop on the same records, in one run:
// filter+mapValues, count by key on the memory store, count by key on RocksDB behind the cache.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamsMetrics } from '../common/metrics.ts';
import type { ConsumedRecord } from '../common/record.ts';
import { Serdes } from '../common/serdes.ts';
import { ManualClock } from '../common/time.ts';
import { streamsConfig } from '../runtime/config.ts';
import { StreamTask } from '../runtime/stream-task.ts';
import { Consumed, Produced } from '../topology/options.ts';
import { StreamsBuilder } from '../topology/streams-builder.ts';
import type { Topology } from '../topology/topology.ts';
import { type BenchResult, measure, result } from './fixtures.ts';

interface Order {
  order_id: string;
  account_id: string;
  symbol: string;
  side: string;
  qty: number;
  price: number;
  ts: number;
}

/** Records between commits; at ~500k records/s this is a commit every few hundred ms, as under EOS. */
const COMMIT_EVERY = 20_000;

function taskFor(topology: Topology, stateDir: string): { task: StreamTask; sent: () => number } {
  let sent = 0;
  const config = streamsConfig({ applicationId: 'bench', stateDir, cacheMaxBytes: 32 * 1024 * 1024 });
  const task = new StreamTask({
    topology,
    subtopology: topology.subtopologies()[0],
    partition: 0,
    config,
    collector: {
      send() {
        sent++;
      },
      partitionsFor: () => 1,
    },
    clock: new ManualClock(0),
    metrics: new StreamsMetrics('info'),
    globalStores: new Map(),
    resolveTopic: (t) => t,
  });
  task.initialize();
  return { task, sent: () => sent };
}

function runThrough(task: StreamTask, records: readonly ConsumedRecord[]): void {
  for (let i = 0; i < records.length; i++) {
    task.process(records[i]);
    if (i % COMMIT_EVERY === COMMIT_EVERY - 1) task.prepareCommit();
  }
  task.prepareCommit();
}

export function runEngineBenchmarks(records: readonly ConsumedRecord[], runs: number): BenchResult[] {
  const stateDir = mkdtempSync(join(tmpdir(), 'risk-streams-bench-'));
  const results: BenchResult[] = [];
  try {
    // The ceiling: what any JSON pipeline must do per record, and nothing else.
    let sink = 0;
    const bare = measure(records.length, runs, () => {
      for (const r of records) {
        const order = JSON.parse(r.value!.toString('utf8')) as Order;
        if (order.qty > 0) sink += Buffer.from(JSON.stringify({ ...order, notional: order.qty * order.price }), 'utf8').length;
      }
    });
    const ceiling = result('bare decode/encode loop', bare, null);
    results.push({ ...ceiling, ratio_to_ceiling: 1 });

    const json = Serdes.Json<Order>();
    const stateless = new StreamsBuilder();
    stateless
      .stream<string, Order>('orders', Consumed.with(Serdes.String(), json))
      .filter((_k, o) => o.qty > 0)
      .mapValues((o) => ({ ...o, notional: o.qty * o.price }))
      .to('out', Produced.with(Serdes.String(), Serdes.Json()));
    const { task: statelessTask } = taskFor(stateless.build(), stateDir);
    results.push(result('engine filter+mapValues', measure(records.length, runs, () => runThrough(statelessTask, records)), ceiling.median));

    for (const storeType of ['in-memory', 'rocksdb'] as const) {
      const counting = new StreamsBuilder({ defaultStoreType: storeType });
      counting
        .stream<string, Order>('orders', Consumed.with(Serdes.String(), json))
        .groupByKey()
        .count({ storeName: `counts-${storeType}` })
        .toStream()
        .to('counts', Produced.with(Serdes.String(), Serdes.Long()));
      const { task } = taskFor(counting.build(), join(stateDir, storeType));
      const rates = measure(records.length, runs, () => runThrough(task, records));
      results.push(result(`engine count by key (${storeType} store, cached)`, rates, ceiling.median));
      task.close();
    }
    if (sink < 0) console.log(sink);
    statelessTask.close();
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
  return results;
}
