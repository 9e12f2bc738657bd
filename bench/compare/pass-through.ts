// The limit for topology (a): the client alone, without the engine. It fetches every input partition, decodes each
// order, drops qty ≤ 0, adds the notional, encodes and sends, with one send in flight while the next fetch travels,
// as bench/kafka.ts' pass-through does, but in its own process (so /proc measures it like the engines) and with no
// commits. Usage: node pass-through.ts '<json of RunArgs>'; speaks the engines' line protocol; stops on SIGTERM.

import { PlatformaticKafkaFactory } from '../../runtime/kafka/kafka-adapter.ts';
import { IsolationLevel, type OutgoingRecord, type PartitionOffset } from '../../runtime/kafka/ports.ts';
import { RecordPartitioner } from '../../runtime/record-partitioner.ts';
import type { RunArgs } from './engines.ts';
import type { Order } from './topologies.ts';

const PROGRESS_INTERVAL_MS = 100;

async function passThrough(run: RunArgs, stopped: () => boolean, onProgress: (n: number) => void): Promise<void> {
  const factory = new PlatformaticKafkaFactory({ brokers: run.brokers, clientId: run.applicationId });
  const fetcher = factory.fetcher('ceiling', IsolationLevel.READ_UNCOMMITTED);
  const producer = factory.producer();
  const partitioner = new RecordPartitioner();
  const positions: PartitionOffset[] = Array.from({ length: run.partitions }, (_, partition) => ({ topic: run.input, partition, offset: 0n }));
  let done = 0;
  let sending: Promise<void> = Promise.resolve();
  while (!stopped()) {
    const results = await fetcher.fetch(positions, { maxWaitMs: 100, partitionMaxBytes: 4 * 1_048_576 });
    const out: OutgoingRecord[] = [];
    for (const r of results) {
      positions[r.partition] = { topic: run.input, partition: r.partition, offset: r.nextOffset };
      for (const rec of r.records) {
        const order = JSON.parse(rec.value!.toString()) as Order;
        if (!(order.qty > 0)) continue;
        const value = Buffer.from(JSON.stringify({ ...order, notional: order.qty * order.price }));
        out.push({ topic: run.output, partition: partitioner.partition(run.output, rec.key, run.partitions), key: rec.key, value, timestamp: rec.timestamp, headers: {} });
      }
      done += r.records.length;
    }
    onProgress(done);
    await sending;
    sending = out.length > 0 ? producer.send(out) : Promise.resolve();
  }
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
