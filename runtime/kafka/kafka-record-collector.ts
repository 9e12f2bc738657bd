// The tasks' RecordCollector on Kafka: send() only buffers (tasks never await); batches go to the producer in
// the background, one send at a time so each partition keeps its order, and flush() at commit waits until
// everything buffered so far is acknowledged. The client has no linger of its own inside transactions, so this
// buffer is what batches the output: a batch leaves when full, when the loop is about to wait for input, or
// when its oldest record has waited `lingerMs` — never only at the next commit, which under at_least_once
// can be 30 s away (a kill command would wait that long). Records that piled up behind a send leave as soon as
// it is acknowledged unless a backlog is being processed: lingering only pays while there is more to batch.

import { StreamsError } from '../../common/errors.ts';
import type { ProducedRecord } from '../../common/record.ts';
import type { RecordCollector } from '../ports.ts';
import type { OutgoingRecord } from './ports.ts';

export class KafkaRecordCollector implements RecordCollector {
  readonly #partitionCounts: Map<string, number>;
  readonly #deliver: (records: readonly OutgoingRecord[]) => Promise<void>;
  readonly #batchSize: number;
  #buffer: OutgoingRecord[] = [];
  #inFlight: Promise<void> = Promise.resolve();
  #failure: unknown = null;
  #sent = 0;
  readonly #lingerMs: number;
  /** When the oldest buffered record arrived (performance.now()). */
  #oldest = 0;
  /** Batches handed over and not yet acknowledged. */
  #sending = 0;
  /** What the loop said at the end of its last pass: it is about to wait for input (no backlog). */
  #idle = false;

  constructor(partitionCounts: Map<string, number>, deliver: (records: readonly OutgoingRecord[]) => Promise<void>, batchSize = 5000, lingerMs = 5) {
    this.#partitionCounts = partitionCounts;
    this.#deliver = deliver;
    this.#batchSize = batchSize;
    this.#lingerMs = lingerMs;
  }

  send(record: ProducedRecord & { partition: number }): void {
    if (this.#buffer.length === 0) this.#oldest = performance.now();
    this.#buffer.push(record);
    if (this.#buffer.length >= this.#batchSize) this.#ship();
  }

  /**
   * Between processing passes: ships what is buffered if the loop is about to wait for input (`idle`) or the
   * oldest record has lingered long enough. While a send is in flight the buffer keeps filling instead: sends
   * go one at a time anyway, and the next one carries more — it leaves when that send is acknowledged, by the
   * same rule, without waiting for the loop's next pass (which may be a long fetch away).
   */
  shipIfDue(idle: boolean): void {
    this.#idle = idle;
    if (this.#sending === 0 && this.#due()) this.#ship();
  }

  #due(): boolean {
    return this.#buffer.length > 0 && (this.#idle || performance.now() - this.#oldest >= this.#lingerMs);
  }

  partitionsFor(topic: string): number {
    const n = this.#partitionCounts.get(topic);
    if (n === undefined) {
      throw new StreamsError('STREAMS_UNKNOWN_TOPIC', `topic ${topic} is unknown to this application: create it before starting, so its partition count is known`);
    }
    return n;
  }

  /** Records handed to the producer so far (for metrics and tests). */
  get sent(): number {
    return this.#sent;
  }

  /** A background send failed: the runtime checks this between records rather than at the next commit only. */
  get failure(): unknown {
    return this.#failure;
  }

  /** Ships what is buffered and waits for every send so far; throws the first send failure. */
  async flush(): Promise<void> {
    this.#ship();
    // A send acknowledged meanwhile may have shipped more behind it: wait until nothing is left in flight.
    for (let last = this.#inFlight; ; last = this.#inFlight) {
      await last;
      if (last === this.#inFlight) break;
    }
    if (this.#failure !== null) throw this.#failure;
  }

  /** Forgets buffered records (their transaction is being aborted, or their task closed dirty). */
  discard(): void {
    this.#buffer = [];
  }

  /** After a failure was handled (transaction aborted), accept new output again. */
  reset(): void {
    this.#buffer = [];
    this.#failure = null;
  }

  #ship(): void {
    if (this.#buffer.length === 0) return;
    const batch = this.#buffer;
    this.#buffer = [];
    this.#sent += batch.length;
    this.#sending++;
    this.#inFlight = this.#inFlight.then(async () => {
      try {
        if (this.#failure === null) await this.#deliver(batch);
      } catch (error) {
        this.#failure = error;
      } finally {
        this.#sending--;
      }
      if (this.#sending === 0 && this.#failure === null && this.#due()) this.#ship();
    });
  }
}
