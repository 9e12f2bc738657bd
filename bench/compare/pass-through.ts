// The limit for topology (a): the client alone, without the engine. It fetches every input partition, decodes each
// order, drops qty ≤ 0, adds the notional, encodes and sends, and nothing else: no tasks, no commits. It pipelines
// the way the runtime does (the next fetch travels while this one is processed; output goes out in batches of 5,000,
// one send at a time) but in its own process, so /proc measures it like the engines. bench/kafka.ts' pass-through
// does the same work in the harness process. Usage: node pass-through.ts '<json of RunArgs>'; speaks the engines'
// line protocol; stops on SIGTERM.

import { PlatformaticKafkaFactory } from '../../runtime/kafka/kafka-adapter.ts';
import { IsolationLevel, type FetchedPartition, type OutgoingRecord, type PartitionOffset } from '../../runtime/kafka/ports.ts';
import { RecordPartitioner } from '../../runtime/record-partitioner.ts';
import type { RunArgs } from './engines.ts';
import type { Order } from './topologies.ts';

const PROGRESS_INTERVAL_MS = 100;
/** The runtime's default producerBatchSize. */
const BATCH = 5_000;
/** Batches queued behind the one in flight before fetching waits for them, so memory stays bounded. */
const MAX_QUEUED = 4;

async function passThrough(run: RunArgs, stopped: () => boolean, onProgress: (n: number) => void): Promise<void> {
  const factory = new PlatformaticKafkaFactory({ brokers: run.brokers, clientId: run.applicationId });
  const fetcher = factory.fetcher('ceiling', IsolationLevel.READ_UNCOMMITTED);
  const producer = factory.producer();
  const partitioner = new RecordPartitioner();
  const positions: PartitionOffset[] = Array.from({ length: run.partitions }, (_, partition) => ({ topic: run.input, partition, offset: 0n }));
  let done = 0;
  let sending: Promise<void> = Promise.resolve();
  let queued = 0;
  let batch: OutgoingRecord[] = [];
  const ship = () => {
    const records = batch;
    batch = [];
    queued++;
    sending = sending.then(() => producer.send(records)).finally(() => queued--);
  };
  const fetch = () => fetcher.fetch(positions, { maxWaitMs: 100 });
  let fetching: Promise<FetchedPartition[]> = fetch();
  while (!stopped()) {
    const results = await fetching;
    for (const r of results) positions[r.partition] = { topic: run.input, partition: r.partition, offset: r.nextOffset };
    fetching = fetch();
    for (const r of results) {
      for (const rec of r.records) {
        const order = JSON.parse(rec.value!.toString()) as Order;
        if (!(order.qty > 0)) continue;
        const value = Buffer.from(JSON.stringify({ ...order, notional: order.qty * order.price }));
        batch.push({ topic: run.output, partition: partitioner.partition(run.output, rec.key, run.partitions), key: rec.key, value, timestamp: rec.timestamp, headers: {} });
        if (batch.length >= BATCH) ship();
      }
      done += r.records.length;
    }
    // Idle or not, what was decoded goes out now rather than waiting for a full batch.
    if (batch.length > 0) ship();
    onProgress(done);
    if (queued > MAX_QUEUED) await sending;
  }
  await fetching.catch(() => []);
  await sending;
  await Promise.all([fetcher.close(), producer.close()]);
}

if (import.meta.main) {
  const run = JSON.parse(process.argv[2]) as RunArgs;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  let stop = false;
  let processed = 0;
  process.once('SIGTERM', () => (stop = true));
  const timer = setInterval(() => say(`PROGRESS ${processed}`), PROGRESS_INTERVAL_MS);
  say('STATE RUNNING');
  await passThrough(run, () => stop, (n) => (processed = n));
  clearInterval(timer);
  say('STATE NOT_RUNNING');
}
