// End-to-end latency at a fixed offered load: a paced producer writes orders whose record timestamp is the moment
// each was due (not when it was sent, so a producer that falls behind shows as latency instead of hiding it), and
// a consumer of the output topic takes arrival time minus the output record's timestamp, which both engines carry
// over from the input (a window's update carries its latest order's).

import type { ConsumedRecord } from '../../common/record.ts';
import { type IsolationLevel, type KafkaClientFactory, type OutgoingRecord, type PartitionOffset } from '../../runtime/kafka/ports.ts';
import { RecordPartitioner } from '../../runtime/record-partitioner.ts';

export interface LatencyLevel {
  /** Offered records/s. */
  readonly rate: number;
  /** Records/s the producer actually managed over the level. */
  readonly producedRate: number;
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface LatencyOptions {
  readonly factory: KafkaClientFactory;
  readonly input: string;
  readonly output: string;
  readonly partitions: number;
  readonly isolation: IsolationLevel;
  /** Keys and values to send, cycled; their timestamps are replaced. */
  readonly template: readonly ConsumedRecord[];
  readonly rates: readonly number[];
  /** Paced at the first rate before anything is measured (JIT, caches, connections). */
  readonly warmUpMs: number;
  readonly levelMs: number;
  /** Skipped at the start of each level while the previous level's backlog drains. */
  readonly settleMs: number;
  /** Waited after the last level for its last outputs (a commit interval or two). */
  readonly drainMs: number;
}

const TICK_MS = 5;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

export async function measureLatency(o: LatencyOptions): Promise<LatencyLevel[]> {
  const producer = o.factory.producer();
  const fetcher = o.factory.fetcher(`latency-${o.output}`, o.isolation);
  const partitioner = new RecordPartitioner();
  // Measurement windows in epoch ms of the due times, one per level.
  const windows: Array<{ from: number; to: number; samples: number[]; produced: number; seconds: number }> = [];
  let consuming = true;

  const consume = (async () => {
    const positions: PartitionOffset[] = Array.from({ length: o.partitions }, (_, partition) => ({ topic: o.output, partition, offset: 0n }));
    while (consuming) {
      const results = await fetcher.fetch(positions, { maxWaitMs: 20 });
      const now = Date.now();
      for (const r of results) {
        if (r.error !== null) continue;
        positions[r.partition] = { topic: o.output, partition: r.partition, offset: r.nextOffset };
        for (const rec of r.records) {
          for (const w of windows) {
            if (rec.timestamp >= w.from && rec.timestamp < w.to) {
              w.samples.push(now - rec.timestamp);
              break;
            }
          }
        }
      }
    }
  })();

  let next = 0;
  const pace = async (rate: number, durationMs: number) => {
    const start = Date.now();
    let sent = 0;
    let sending: Promise<void> = Promise.resolve();
    for (let elapsed = 0; elapsed < durationMs; elapsed = Date.now() - start) {
      const due = Math.min(Math.floor((rate * elapsed) / 1000), Math.floor((rate * durationMs) / 1000)) - sent;
      if (due > 0) {
        const batch: OutgoingRecord[] = new Array(due);
        for (let i = 0; i < due; i++) {
          const t = o.template[next++ % o.template.length];
          const timestamp = start + Math.floor(((sent + i) * 1000) / rate);
          batch[i] = { topic: o.input, partition: partitioner.partition(o.input, t.key, o.partitions), key: t.key, value: t.value, timestamp, headers: {} };
        }
        sent += due;
        // One send in flight; records due meanwhile go out together in the next batch.
        await sending;
        sending = producer.send(batch);
      }
      await sleep(TICK_MS);
    }
    await sending;
    return { start, sent, seconds: (Date.now() - start) / 1000 };
  };

  try {
    if (o.warmUpMs > 0) await pace(o.rates[0], o.warmUpMs);
    for (const rate of o.rates) {
      const startsAt = Date.now();
      const w = { from: startsAt + o.settleMs, to: startsAt + o.levelMs, samples: [] as number[], produced: 0, seconds: 0 };
      windows.push(w);
      const paced = await pace(rate, o.levelMs);
      w.produced = paced.sent;
      w.seconds = paced.seconds;
    }
    await sleep(o.drainMs);
  } finally {
    consuming = false;
    await consume.catch(() => {});
    await Promise.all([producer.close(), fetcher.close()]);
  }
  return windows.map((w, i) => {
    const sorted = Float64Array.from(w.samples).sort();
    return {
      rate: o.rates[i],
      producedRate: Math.round(w.produced / w.seconds),
      samples: sorted.length,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      maxMs: sorted.length === 0 ? NaN : sorted[sorted.length - 1],
    };
  });
}
