// Live Kafka throughput on a local broker: the client's pass-through ceiling (raw fetch of a topic and
// send of the same records, decoded and re-encoded as JSON like any pipeline) against the engine's
// filter + mapValues as a KafkaStreamsApp (at_least_once and exactly_once_v2), same input, same machine;
// then a windowed count, the order router's global-table lookups, restoring a store from its changelog,
// and kill propagation (command produced → first drop observed) under a steady order flow.
// `node bench/kafka.ts [--records N] [--rate N] [--seconds N] [--kill-only | --no-kill] [--guarantee G]` starts
// its own broker unless KAFKA_BROKERS is set. The router and kill benchmarks use the contract's topic names
// (orders.v1, …): on a shared broker they add records to those topics.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContractTopics, KafkaPipeline } from '../apps/cli/kafka-pipeline.ts';
import { defaultRiskConfig } from '../apps/config.ts';
import { buildOrderRouter } from '../apps/order-router/topology.ts';
import { appNamed } from '../apps/registry.ts';
import type { KillCommand, KillState, RouterAudit } from '../apps/schemas/records.ts';
import { Topics } from '../apps/schemas/topics.ts';
import { appStreamsConfig } from '../apps/streams-config.ts';
import { consoleLogger, type Logger } from '../common/logger.ts';
import type { ProcessingGuarantee } from '../runtime/config.ts';
import { allPartitions, TopicFollower } from '../runtime/kafka/topic-reader.ts';
import type { Topology } from '../topology/topology.ts';
import { TimeWindows } from '../topology/windows.ts';
import { Serdes } from '../common/serdes.ts';
import { KafkaStreamsApp } from '../runtime/kafka/kafka-streams-app.ts';
import { PlatformaticKafkaFactory } from '../runtime/kafka/kafka-adapter.ts';
import { IsolationLevel, partitionKey, type OutgoingRecord } from '../runtime/kafka/ports.ts';
import { RecordPartitioner } from '../runtime/record-partitioner.ts';
import { Consumed, Produced } from '../topology/options.ts';
import { StreamsBuilder } from '../topology/streams-builder.ts';
import { fullSpeedJvm, startBroker } from '../scripts/kafka/broker.ts';
import { orderRecords, type BenchResult } from './fixtures.ts';

const PARTITIONS = 4;

interface Order {
  qty: number;
  price: number;
}

async function endOffsetSum(factory: PlatformaticKafkaFactory, topic: string): Promise<bigint> {
  const fetcher = factory.fetcher('bench-ends', IsolationLevel.READ_COMMITTED);
  const tps = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition }));
  const ends = await fetcher.endOffsets(tps);
  await fetcher.close();
  return [...ends.values()].reduce((a, b) => a + b, 0n);
}

/** Waits until `topic` holds `count` readable records; polls its end offsets. */
async function waitForCount(factory: PlatformaticKafkaFactory, topic: string, count: number, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // Under EOS the end offsets include one commit marker per transaction and partition: count records instead.
  while (Date.now() < deadline) {
    if ((await endOffsetSum(factory, topic)) >= BigInt(count)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${topic} did not reach ${count} records`);
}

/** The ceiling: fetch every input partition, decode, derive, encode, send; no engine in between. */
async function passThrough(factory: PlatformaticKafkaFactory, input: string, output: string, count: number): Promise<number> {
  const fetcher = factory.fetcher('bench-pass', IsolationLevel.READ_UNCOMMITTED);
  const producer = factory.producer();
  const partitioner = new RecordPartitioner();
  const positions = new Map(Array.from({ length: PARTITIONS }, (_, p) => [partitionKey(input, p), 0n]));
  const started = performance.now();
  let done = 0;
  let sending: Promise<void> = Promise.resolve();
  while (done < count) {
    const results = await fetcher.fetch(
      [...positions].map(([key, offset]) => ({ topic: input, partition: Number(key.slice(input.length + 1)), offset })),
      { maxWaitMs: 100, partitionMaxBytes: 4 * 1_048_576 },
    );
    const out: OutgoingRecord[] = [];
    for (const r of results) {
      positions.set(partitionKey(r.topic, r.partition), r.nextOffset);
      for (const rec of r.records) {
        const order = JSON.parse(rec.value!.toString()) as Order;
        if (!(order.qty > 0)) continue;
        const value = Buffer.from(JSON.stringify({ ...order, notional: order.qty * order.price }));
        out.push({ topic: output, partition: partitioner.partition(output, rec.key, PARTITIONS), key: rec.key, value, timestamp: rec.timestamp, headers: {} });
      }
      done += r.records.length;
    }
    // One send in flight while the next fetch travels, as the runtime's collector does.
    await sending;
    sending = producer.send(out);
  }
  await sending;
  const seconds = (performance.now() - started) / 1000;
  await Promise.all([fetcher.close(), producer.close()]);
  return Math.round(count / seconds);
}

async function engine(brokers: string[], input: string, output: string, count: number, guarantee: 'at_least_once' | 'exactly_once_v2'): Promise<number> {
  const factory = new PlatformaticKafkaFactory({ brokers, clientId: 'bench' });
  const b = new StreamsBuilder();
  b.stream<string, Order>(input, Consumed.with(Serdes.String(), Serdes.Json<Order>()))
    .filter((_k, o) => o.qty > 0)
    .mapValues((o) => ({ ...o, notional: o.qty * o.price }))
    .to(output, Produced.with(Serdes.String(), Serdes.Json()));
  const app = new KafkaStreamsApp(
    b.build(),
    { applicationId: `bench-${guarantee}-${Date.now()}`, processingGuarantee: guarantee, logger: consoleLogger('warn') },
    { brokers, shutdownOnSignals: false },
  );
  const started = performance.now();
  await app.start();
  await waitForCount(factory, output, count);
  const seconds = (performance.now() - started) / 1000;
  await app.close();
  return Math.round(count / seconds);
}

export async function runKafkaBenchmarks(options: { brokers?: string[]; records?: number } = {}): Promise<BenchResult[]> {
  const broker = options.brokers === undefined ? await startBroker({ jvmOptions: fullSpeedJvm }) : null;
  const brokers = options.brokers ?? broker!.brokers;
  try {
    const count = options.records ?? 200_000;
    const factory = new PlatformaticKafkaFactory({ brokers, clientId: 'bench' });
    const stamp = Date.now();
    const input = `bench-orders-${stamp}`;
    const topics = ['pass', 'alo', 'eos'].map((n) => `bench-out-${n}-${stamp}`);
    const admin = factory.admin();
    await admin.createTopics([input, ...topics].map((name) => ({ name, partitions: PARTITIONS })));
    await admin.close();
    const partitioner = new RecordPartitioner();
    const producer = factory.producer();
    const records = orderRecords(count, 5_000, input);
    for (let i = 0; i < records.length; i += 10_000) {
      await producer.send(records.slice(i, i + 10_000).map((r) => ({ ...r, partition: partitioner.partition(input, r.key, PARTITIONS) })));
    }
    await producer.close();

    const ceiling = await passThrough(factory, input, topics[0], count);
    const alo = await engine(brokers, input, topics[1], count, 'at_least_once');
    const eos = await engine(brokers, input, topics[2], count, 'exactly_once_v2');
    const row = (name: string, rate: number): BenchResult => ({
      name,
      records_per_s: rate,
      ratio_to_ceiling: Math.round((rate / ceiling) * 100) / 100,
      runs: [rate],
      min: rate,
      median: rate,
      max: rate,
    });
    return [row('kafka client pass-through (fetch, JSON, send)', ceiling), row('engine filter+mapValues, at_least_once', alo), row('engine filter+mapValues, exactly_once_v2', eos)];
  } finally {
    await broker?.stop();
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Orders stamped from now on: the broker's time-based retention would delete last year's. */
function recentOrders(count: number, topic: string, accounts = 5_000): OutgoingRecord[] {
  const partitioner = new RecordPartitioner();
  const start = Date.now() - count;
  return orderRecords(count, accounts, topic).map((r, i) => {
    const timestamp = start + i;
    const value = Buffer.from(JSON.stringify({ ...(JSON.parse(r.value!.toString()) as object), ts: timestamp }));
    return { topic, partition: partitioner.partition(topic, r.key, PARTITIONS), key: r.key, value, timestamp, headers: {} };
  });
}

async function produceAll(factory: PlatformaticKafkaFactory, records: readonly OutgoingRecord[]): Promise<void> {
  const producer = factory.producer();
  try {
    for (let i = 0; i < records.length; i += 10_000) await producer.send(records.slice(i, i + 10_000));
  } finally {
    await producer.close();
  }
}

/** Records/s of a KafkaStreamsApp from start() until it has processed `count` input records. */
async function throughput(topology: Topology, brokers: string[], count: number, guarantee: ProcessingGuarantee, name: string): Promise<number> {
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-kafka-'));
  const app = new KafkaStreamsApp(
    topology,
    appStreamsConfig(`bench-${name}-${guarantee}-${Date.now()}`, { processingGuarantee: guarantee, cacheMaxBytes: 0, stateDir, logger: consoleLogger('warn') }),
    { brokers, shutdownOnSignals: false },
  );
  try {
    const started = performance.now();
    await app.start();
    while (app.processedRecords < count) {
      if (app.state === 'ERROR') throw new Error(`${name} failed`, { cause: app.error });
      await sleep(20);
    }
    return Math.round(count / ((performance.now() - started) / 1000));
  } finally {
    await app.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

function windowedCountTopology(input: string, output: string): Topology {
  const b = new StreamsBuilder({ defaultStoreType: 'rocksdb' });
  b.stream<string, Order>(input, Consumed.with(Serdes.String(), Serdes.Json<Order>()))
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeWithNoGrace(60_000))
    .count({ storeName: 'orders-per-minute' })
    .toStream()
    .map((w, n) => ({ key: `${w.key}@${w.window.start}`, value: n }))
    .to(output, Produced.with(Serdes.String(), Serdes.Long()));
  return b.build();
}

/** Fills killswitch.state.v1 with `scopes` account scopes, one in twenty KILLED: the router's table. */
async function killSwitchTable(factory: PlatformaticKafkaFactory, scopes: number): Promise<void> {
  const partitioner = new RecordPartitioner();
  const now = Date.now();
  const records = Array.from({ length: scopes }, (_, i): OutgoingRecord => {
    const state: KillState = { scope: `ACCOUNT:${10_000 + i}`, status: i % 20 === 0 ? 'KILLED' : 'ACTIVE', updated_ts: now, updated_by: 'bench', reason: 'bench', last_cmd_id: `bench-${i}`, corr_id: `bench-${i}` };
    const key = Buffer.from(state.scope);
    return { topic: Topics.KILLSWITCH_STATE, partition: partitioner.partition(Topics.KILLSWITCH_STATE, key, 3), key, value: Buffer.from(JSON.stringify(state)), timestamp: now, headers: {} };
  });
  await produceAll(factory, records);
}

/** Logs that only keep what restoration reports. */
function restoreProbe(): { logger: Logger; restored: Array<{ records: number; ms: number }> } {
  const restored: Array<{ records: number; ms: number }> = [];
  const logger: Logger = {
    debug() {},
    info(fields: { records?: number; ms?: number }, message?: string) {
      if (message === 'restored state stores' && (fields.records ?? 0) > 0) restored.push({ records: fields.records!, ms: fields.ms! });
    },
    warn() {},
    error(fields) {
      console.error(JSON.stringify(fields));
    },
    child: () => logger,
  };
  return { logger, restored };
}

export interface RestoreResult {
  readonly records: number;
  readonly ms: number;
  readonly records_per_s: number;
}

/** Counts `keys` distinct keys into a RocksDB store, then restores the store from its changelog into an empty state directory. */
export async function restoreRate(brokers: string[], keys: number): Promise<RestoreResult> {
  const factory = new PlatformaticKafkaFactory({ brokers, clientId: 'bench-restore' });
  const input = `bench-restore-in-${Date.now()}`;
  const admin = factory.admin();
  await admin.createTopics([{ name: input, partitions: PARTITIONS }]);
  await admin.close();
  const partitioner = new RecordPartitioner();
  const now = Date.now();
  await produceAll(
    factory,
    Array.from({ length: keys }, (_, i): OutgoingRecord => {
      const key = Buffer.from(`key-${i}`);
      return { topic: input, partition: partitioner.partition(input, key, PARTITIONS), key, value: Buffer.from(`{"n":${i}}`), timestamp: now, headers: {} };
    }),
  );
  const topology = () => {
    const b = new StreamsBuilder({ defaultStoreType: 'rocksdb' });
    b.stream<string, unknown>(input, Consumed.with(Serdes.String(), Serdes.Json())).groupByKey().count({ storeName: 'per-key' });
    return b.build();
  };
  const applicationId = `bench-restore-${now}`;
  const run = async (stateDir: string, logger: Logger, until: (app: KafkaStreamsApp) => boolean) => {
    const app = new KafkaStreamsApp(topology(), { applicationId, stateDir, logger, commitIntervalMs: 1000 }, { brokers, shutdownOnSignals: false });
    await app.start();
    await app.waitForState('RUNNING', 300_000);
    while (!until(app)) await sleep(20);
    await app.close();
  };
  const first = mkdtempSync(join(tmpdir(), 'bench-restore-'));
  await run(first, consoleLogger('warn'), (app) => app.processedRecords >= keys);
  rmSync(first, { recursive: true, force: true });
  // A new machine: nothing local, the changelog is the only copy.
  const second = mkdtempSync(join(tmpdir(), 'bench-restore-'));
  const probe = restoreProbe();
  await run(second, probe.logger, () => true);
  rmSync(second, { recursive: true, force: true });
  const records = probe.restored.reduce((n, r) => n + r.records, 0);
  const ms = probe.restored.reduce((n, r) => n + r.ms, 0);
  return { records, ms, records_per_s: Math.round(records / (ms / 1000)) };
}

export interface LatencyFigures {
  readonly name: string;
  readonly samples: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
  /** The first leg: from the command's send until the new state is readable on killswitch.state.v1. */
  readonly state_p50_ms: number;
  readonly state_p99_ms: number;
  /** Orders per second actually produced. */
  readonly rate: number;
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/**
 * The kill-switch aggregator and the order router live, orders at a steady `rate` a second over 16 symbols;
 * every 200–400 ms an operator KILLs one symbol and, once a drop under it is seen, UNKILLs it. The latency
 * is from the KILL command's send to the first DROP of that symbol read from audit.v1 (read_committed),
 * measured on this process's clock; the first leg, until the new state is readable on killswitch.state.v1, is
 * reported apart. `commitIntervalMs` replaces the streams default for both apps.
 */
export async function killPropagation(brokers: string[], guarantee: ProcessingGuarantee, rate: number, seconds: number, options: { commitIntervalMs?: number } = {}): Promise<LatencyFigures> {
  const connection = { brokers };
  await createContractTopics(connection, 3);
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-kill-'));
  const pipeline = await KafkaPipeline.start({
    connection,
    config: defaultRiskConfig,
    stateDir,
    processingGuarantee: guarantee,
    // The streams defaults: 30 s under at_least_once, 100 ms under exactly_once_v2.
    commitIntervalMs: options.commitIntervalMs ?? (guarantee === 'exactly_once_v2' ? 100 : 30_000),
    applicationIdPrefix: `bench-${Date.now()}-`,
    apps: [appNamed('killswitch-aggregator'), appNamed('order-router')],
    logger: consoleLogger('warn'),
    kafka: { autoOffsetReset: 'latest' },
  });
  const factory = new PlatformaticKafkaFactory({ brokers, clientId: 'bench-kill' });
  const symbols = Array.from({ length: 16 }, (_, i) => `SYM${i}`);
  // The kill being timed: its scope and command id, when its command went out, when its state was readable,
  // and who waits for its first drop.
  interface TimedKill {
    readonly scope: string;
    readonly cmdId: string;
    readonly sentAt: number;
    stateMs?: number;
    readonly seen: (ms: number) => void;
  }
  let current: TimedKill | null = null;
  const states = new TopicFollower(
    factory.fetcher('bench-states', IsolationLevel.READ_COMMITTED),
    allPartitions(Topics.KILLSWITCH_STATE, 3),
    (records) => {
      const now = performance.now();
      if (current === null || current.stateMs !== undefined) return;
      for (const r of records) if (r.value?.toString().includes(current.cmdId)) current.stateMs = now - current.sentAt;
    },
    { tail: 0, maxWaitMs: 5 },
  );
  const follower = new TopicFollower(
    factory.fetcher('bench-audit', IsolationLevel.READ_COMMITTED),
    allPartitions(Topics.AUDIT, 3),
    (records) => {
      const now = performance.now();
      if (current === null) return;
      for (const r of records) {
        const text = r.value?.toString() ?? '';
        if (!text.includes('"DROP"') || !text.includes(current.scope)) continue;
        const audit = JSON.parse(text) as RouterAudit;
        if (audit.decision === 'DROP' && audit.scope_matches.includes(current.scope)) {
          current.seen(now - current.sentAt);
          current = null;
          return;
        }
      }
    },
    { tail: 0, maxWaitMs: 5 },
  );
  await Promise.all([follower.start(), states.start()]);

  const partitioner = new RecordPartitioner();
  const orders = factory.producer();
  const commands = factory.producer();
  let running = true;
  let produced = 0;
  const feed = (async () => {
    const started = performance.now();
    let seq = 0;
    while (running) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate) - produced;
      if (due > 0) {
        const now = Date.now();
        const batch = Array.from({ length: due }, (): OutgoingRecord => {
          const i = seq++;
          const account = String(10_000 + (i % 1000));
          const key = Buffer.from(account);
          const value = Buffer.from(JSON.stringify({ order_id: `bench-${i}`, ts: now, account_id: account, symbol: symbols[i % symbols.length], side: 'BUY', qty: 1, price: 10 }));
          return { topic: Topics.ORDERS, partition: partitioner.partition(Topics.ORDERS, key, 3), key, value, timestamp: now, headers: {} };
        });
        await orders.send(batch);
        produced += due;
      }
      // Small sends every ~2 ms: coarser bursts would add their own gaps to the wait for the next order of the
      // killed symbol, the one the router can drop.
      await sleep(2);
    }
    return produced / ((performance.now() - started) / 1000);
  })();
  const command = (scope: string, action: KillCommand['action'], n: number): OutgoingRecord => {
    const ts = Date.now();
    const cmd: KillCommand = { cmd_id: `bench-${action}-${n}-${ts}`, ts, scope, action, reason: 'bench', triggered_by: 'operator', operator: 'bench', corr_id: `bench-${n}` };
    const key = Buffer.from(scope);
    return { topic: Topics.KILLSWITCH_COMMANDS, partition: partitioner.partition(Topics.KILLSWITCH_COMMANDS, key, 3), key, value: Buffer.from(JSON.stringify(cmd)), timestamp: ts, headers: {} };
  };
  const latencies: number[] = [];
  const stateLatencies: number[] = [];
  let missed = 0;
  try {
    await sleep(2000); // the flow reaches its pace
    const deadline = performance.now() + seconds * 1000;
    for (let n = 0; performance.now() < deadline; n++) {
      const scope = `SYMBOL:${symbols[n % symbols.length]}`;
      const { promise, resolve } = Promise.withResolvers<number>();
      const kill = command(scope, 'KILL', n);
      const timed: TimedKill = { scope, cmdId: (JSON.parse(kill.value!.toString()) as KillCommand).cmd_id, sentAt: performance.now(), seen: resolve };
      current = timed;
      await commands.send([kill]);
      const ms = await Promise.race([promise, sleep(10_000).then(() => -1)]);
      if (ms >= 0) latencies.push(ms);
      else missed++;
      if (timed.stateMs !== undefined) stateLatencies.push(timed.stateMs);
      current = null;
      await commands.send([command(scope, 'UNKILL', n)]);
      // A random gap: a fixed one keeps every kill at the same phase of the apps' commit cycle (the drop just
      // seen means the router just committed), so the figures would show one point of the cycle, not its spread.
      await sleep(200 + Math.random() * 200);
    }
  } finally {
    running = false;
    await feed.catch(() => {});
    await Promise.all([orders.close(), commands.close(), follower.stop(), states.stop()]);
    await pipeline.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
  if (missed > 0) console.error(`kill propagation, ${guarantee}: ${missed} kills saw no drop within 10 s`);
  latencies.sort((a, b) => a - b);
  stateLatencies.sort((a, b) => a - b);
  return {
    name: `kill propagation, ${guarantee}`,
    samples: latencies.length,
    p50_ms: Math.round(percentile(latencies, 50)),
    p99_ms: Math.round(percentile(latencies, 99)),
    max_ms: Math.round(latencies[latencies.length - 1] ?? Number.NaN),
    state_p50_ms: Math.round(percentile(stateLatencies, 50)),
    state_p99_ms: Math.round(percentile(stateLatencies, 99)),
    rate: Math.round(await feed),
  };
}

export async function runLiveBenchmarks(brokers: string[], count: number): Promise<BenchResult[]> {
  const factory = new PlatformaticKafkaFactory({ brokers, clientId: 'bench' });
  const stamp = Date.now();
  const input = `bench-live-orders-${stamp}`;
  const windowed = `bench-live-windowed-${stamp}`;
  const admin = factory.admin();
  await admin.createTopics([input, windowed].map((name) => ({ name, partitions: PARTITIONS })));
  await admin.close();
  await produceAll(factory, recentOrders(count, input));
  await createContractTopics({ brokers }, 3);
  await killSwitchTable(factory, 10_000);
  await produceAll(factory, recentOrders(count, Topics.ORDERS));
  const rows: BenchResult[] = [];
  const row = (name: string, rate: number): BenchResult => ({ name, records_per_s: rate, ratio_to_ceiling: null, runs: [rate], min: rate, median: rate, max: rate });
  for (const guarantee of ['at_least_once', 'exactly_once_v2'] as const) {
    rows.push(row(`windowed count (60 s tumbling, RocksDB), ${guarantee}`, await throughput(windowedCountTopology(input, windowed), brokers, count, guarantee, 'windowed')));
  }
  for (const guarantee of ['at_least_once', 'exactly_once_v2'] as const) {
    // The router reads orders.v1 from the start: only the `count` orders just produced, on a fresh broker.
    rows.push(row(`order router (global table of 10k scopes), ${guarantee}`, await throughput(buildOrderRouter({ storeType: 'rocksdb' }), brokers, count, guarantee, 'router')));
  }
  return rows;
}

/** The throughput table (client ceiling, filter+mapValues, windowed count, router) and the restore rate. */
async function throughputAndRestore(brokers: string[], records: number | undefined): Promise<void> {
  const rows = [...(await runKafkaBenchmarks({ brokers, records })), ...(await runLiveBenchmarks(brokers, records ?? 200_000))];
  console.log(`${'benchmark'.padEnd(56)} ${'records/s'.padStart(10)}  ratio`);
  for (const r of rows) console.log(`${r.name.padEnd(56)} ${r.records_per_s.toLocaleString('en-US').padStart(10)}  ${r.ratio_to_ceiling ?? ''}`);
  const restore = await restoreRate(brokers, 200_000);
  console.log(`${'restore from changelog (RocksDB, empty state dir)'.padEnd(56)} ${restore.records_per_s.toLocaleString('en-US').padStart(10)}  (${restore.records.toLocaleString('en-US')} records in ${restore.ms} ms)`);
}

if (import.meta.main) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const records = arg('--records');
  const rate = arg('--rate') ?? 10_000;
  const seconds = arg('--seconds') ?? 20;
  const commitIntervalMs = arg('--commit-ms');
  // --kill-only skips the throughput and restore runs, --no-kill the kill run; --guarantee picks one guarantee,
  // --commit-ms replaces the apps' commit interval in the kill run.
  const killOnly = process.argv.includes('--kill-only');
  const noKill = process.argv.includes('--no-kill');
  const only = process.argv.indexOf('--guarantee');
  const guarantees = only > 0 ? [process.argv[only + 1] as ProcessingGuarantee] : (['at_least_once', 'exactly_once_v2'] as const);
  const external = process.env.KAFKA_BROKERS?.split(',');
  const broker = external === undefined ? await startBroker({ jvmOptions: fullSpeedJvm }) : null;
  const brokers = external ?? broker!.brokers;
  try {
    if (!killOnly) await throughputAndRestore(brokers, records);
    if (!noKill) {
      console.log(`\nkill propagation at ${rate.toLocaleString('en-US')} orders/s (command sent → first DROP read from audit.v1)`);
      console.log(`${'guarantee'.padEnd(20)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'samples'.padStart(8)} ${'orders/s'.padStart(9)}   state readable p50/p99 ms`);
    }
    for (const guarantee of noKill ? [] : guarantees) {
      const l = await killPropagation(brokers, guarantee, rate, seconds, commitIntervalMs === undefined ? {} : { commitIntervalMs });
      console.log(`${guarantee.padEnd(20)} ${String(l.p50_ms).padStart(8)} ${String(l.p99_ms).padStart(8)} ${String(l.max_ms).padStart(8)} ${String(l.samples).padStart(8)} ${l.rate.toLocaleString('en-US').padStart(9)}   ${l.state_p50_ms}/${l.state_p99_ms}`);
    }
  } finally {
    await broker?.stop();
  }
}
