// `npm start` until the risk apps land: a small order pipeline on the embedded engine. It generates orders,
// counts them per account in a RocksDB store, gates orders of accounts over a limit, and prints what it did.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Serdes } from '../common/serdes.ts';
import { EmbeddedStreamsApp } from '../runtime/embedded/embedded-streams-app.ts';
import { InMemoryCluster } from '../runtime/embedded/in-memory-cluster.ts';
import { RecordPartitioner } from '../runtime/record-partitioner.ts';
import { Consumed, Materialized, Produced } from '../topology/options.ts';
import { StreamsBuilder } from '../topology/streams-builder.ts';

interface Order {
  order_id: string;
  ts: number;
  account_id: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  qty: number;
  price: number;
}

const ORDERS = 50_000;
const ACCOUNTS = 200;
const LIMIT = 300;
const S = Serdes.String();
const J = Serdes.Json<Order>();

const builder = new StreamsBuilder();
const orders = builder.stream<string, Order>('orders.v1', Consumed.with(S, J));
orders.groupByKey().count(Materialized.as('orders-per-account')).toStream().to('order-counts', Produced.with(S, Serdes.Long()));
const branches = orders
  .split()
  .branch((_k, o) => o.qty * o.price > 100_000)
  .defaultBranch();
const [large, normal] = Object.values(branches);
large.to('orders.large', Produced.with(S, J));
normal.to('orders.gated.v1', Produced.with(S, J));
const topology = builder.build();

const cluster = new InMemoryCluster({ defaultPartitions: 3 });
cluster.createTopic('orders.v1', { partitions: 3 });
const partitioner = new RecordPartitioner();
let seed = 7;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const symbols = ['AAPL', 'NVDA', 'MSFT', 'TSLA'];
for (let i = 0; i < ORDERS; i++) {
  // A few hot accounts send most of the flow.
  const account = String(10_000 + Math.floor(ACCOUNTS * rand() ** 3));
  const order: Order = {
    order_id: `o-${i}`,
    ts: 1_732_000_000_000 + i * 10,
    account_id: account,
    symbol: symbols[i % symbols.length],
    side: rand() < 0.5 ? 'BUY' : 'SELL',
    qty: 1 + Math.floor(rand() * 400),
    price: Math.round(rand() * 50_000) / 100,
  };
  const key = S.serialize(account)!;
  cluster.append({ topic: 'orders.v1', partition: partitioner.partition('orders.v1', key, 3), key, value: J.serialize(order), timestamp: order.ts, headers: {} });
}

const stateDir = mkdtempSync(join(tmpdir(), 'risk-streams-start-'));
const app = new EmbeddedStreamsApp(topology, { applicationId: 'start-demo', stateDir }, cluster);
console.log(topology.describe().toString());
const started = performance.now();
app.start();
const processed = app.runUntilIdle();
const seconds = (performance.now() - started) / 1000;

const counts = app.store<string, number>('orders-per-account').all();
const overLimit = counts.filter((kv) => kv.value > LIMIT).sort((a, b) => b.value - a.value);
const total = (topic: string) => Array.from({ length: cluster.partitionsFor(topic) }, (_, p) => Number(cluster.endOffset(topic, p))).reduce((a, b) => a + b, 0);
console.log(`processed ${processed.toLocaleString('en-US')} records in ${seconds.toFixed(2)} s on ${app.taskStores().length} tasks`);
console.log(`orders in: ${total('orders.v1')}, gated: ${total('orders.gated.v1')}, large (held back): ${total('orders.large')}`);
console.log(`accounts seen: ${counts.length}; over ${LIMIT} orders: ${overLimit.length}`);
for (const { key, value } of overLimit.slice(0, 5)) console.log(`  account ${key}: ${value} orders`);
app.close();
rmSync(stateDir, { recursive: true, force: true });
