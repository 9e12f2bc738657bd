// The engine's sensors by name, and the handles a runtime records through: one set per stream thread
// (commit, poll, rebalance, consumer lag, restoration). The embedded and the Kafka runtime share them, so a
// dashboard reads the same series whichever runtime produced them.

import { AGE_BOUNDS_MS, type Gauge, LATENCY_BOUNDS_MS, type Sensor, type StreamsMetrics } from '../../common/metrics.ts';

/** Sensor and gauge names as recorded; runtime/metrics/prometheus.ts maps each to a Prometheus metric. */
export const EngineSensor = {
  /** task: records processed (count). */
  PROCESS: 'process',
  /** task: ms per record, sampled (histogram). */
  PROCESS_LATENCY: 'process_latency',
  /** task: ms per punctuation (histogram; the count is the number of punctuations). */
  PUNCTUATE: 'punctuate',
  /** task: records skipped, tagged with a reason (error, late, null_key, …). */
  DROPPED_RECORDS: 'dropped_records',
  /** processor: how far behind stream time a record arrived, ms (histogram). */
  RECORD_LATENESS: 'record_lateness',
  /** sink processor: wall clock at output minus the record's timestamp, ms, sampled (KIP-613). */
  RECORD_E2E_LATENCY: 'record_e2e_latency',
  SUPPRESSION_EMIT: 'suppression_emit',
  WINDOW_EMITTED_RECORDS: 'window_emitted_records',
  EXPIRED_WINDOW_RECORD_DROP: 'expired_window_record_drop',
  /** thread: ms per task commit (histogram; the count is the number of commits). */
  COMMIT: 'commit',
  /** thread: records returned by a fetch that returned any (histogram). */
  POLL: 'poll',
  /** thread: ms from losing to regaining a running assignment (histogram; the count is rebalances). */
  REBALANCE: 'rebalance',
  /** consumer: end offset minus fetch position, per input partition (gauge). */
  RECORDS_LAG: 'records_lag',
  /** store: records restored from the changelog (the total; the count is batches). */
  RESTORE_RECORDS: 'restore_records',
  /** store: changelog records still to restore (gauge). */
  RESTORE_REMAINING: 'restore_remaining_records',
  /** store: operations (count), and sampled latencies in ms. */
  STORE_PUT: 'store_put',
  STORE_GET: 'store_get',
  STORE_FETCH: 'store_fetch',
  STORE_PUT_LATENCY: 'store_put_latency',
  STORE_GET_LATENCY: 'store_get_latency',
  STORE_FLUSH_LATENCY: 'store_flush_latency',
} as const;

/** Bounds for records per fetch. */
export const POLL_RECORDS_BOUNDS: readonly number[] = [1, 5, 10, 50, 100, 250, 500, 1_000, 5_000, 10_000];

export interface RestoreSensors {
  /** Record each restored batch with its size. */
  readonly restored: Sensor;
  readonly remaining: Gauge;
}

/**
 * What a stream thread records. A runtime creates one per thread and keeps the handles it needs per task
 * or partition (look-ups build a string key: do them when a task or partition is assigned, not per record).
 */
export class ThreadMetrics {
  readonly threadId: string;
  readonly commit: Sensor;
  readonly poll: Sensor;
  readonly rebalance: Sensor;
  readonly #metrics: StreamsMetrics;

  constructor(metrics: StreamsMetrics, threadId: string) {
    this.#metrics = metrics;
    this.threadId = threadId;
    const tags = { thread_id: threadId };
    this.commit = metrics.histogram(EngineSensor.COMMIT, tags, LATENCY_BOUNDS_MS);
    this.poll = metrics.histogram(EngineSensor.POLL, tags, POLL_RECORDS_BOUNDS);
    this.rebalance = metrics.histogram(EngineSensor.REBALANCE, tags, LATENCY_BOUNDS_MS);
  }

  /** The lag gauge of one input partition. */
  lag(topic: string, partition: number): Gauge {
    return this.#metrics.gauge(EngineSensor.RECORDS_LAG, { thread_id: this.threadId, topic, partition: String(partition) });
  }

  restore(taskId: string, store: string): RestoreSensors {
    const tags = { thread_id: this.threadId, task_id: taskId, store };
    return { restored: this.#metrics.sensor(EngineSensor.RESTORE_RECORDS, tags), remaining: this.#metrics.gauge(EngineSensor.RESTORE_REMAINING, tags) };
  }
}

/** Kafka Streams names its threads `<client id>-StreamThread-<n>`. */
export function streamThreadId(clientId: string, n = 1): string {
  return `${clientId}-StreamThread-${n}`;
}

export { AGE_BOUNDS_MS, LATENCY_BOUNDS_MS };
