// Live Kafka throughput on a local broker: the client's pass-through ceiling (raw fetch of a topic and
// send of the same records, decoded and re-encoded as JSON like any pipeline) against the engine's
// filter + mapValues as a KafkaStreamsApp (at_least_once and exactly_once_v2), same input, same machine.
// `node bench/kafka.ts [--records N]` starts its own broker unless KAFKA_BROKERS is set.

import { consoleLogger } from '../common/logger.ts';
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

if (import.meta.main) {
  const i = process.argv.indexOf('--records');
  const records = i > 0 ? Number(process.argv[i + 1]) : undefined;
  const brokers = process.env.KAFKA_BROKERS?.split(',');
  for (const r of await runKafkaBenchmarks({ brokers, records })) {
    console.log(`${r.name.padEnd(48)} ${r.records_per_s.toLocaleString('en-US').padStart(10)} rec/s  ratio ${r.ratio_to_ceiling}`);
  }
}
