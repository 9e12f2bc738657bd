// Deletes consumed records of repartition topics (Kafka Streams' repartition purging): after a successful commit,
// at most once per interval, everything below the committed offsets of the repartition partitions this instance
// reads goes, so those topics hold only what is still to be processed instead of growing with retention.
// A purge failure costs only disk; it is logged and retried at the next interval.

import type { Logger } from '../../common/logger.ts';
import type { Clock } from '../../common/time.ts';
import type { PartitionOffset, TopicAdmin } from './ports.ts';

export class RepartitionPurger {
  readonly #admin: TopicAdmin;
  readonly #topics: ReadonlySet<string>;
  readonly #intervalMs: number;
  readonly #clock: Clock;
  readonly #log: Logger;
  #last: number;
  #inFlight: Promise<void> | null = null;
  /** Offsets already purged to, per "topic:partition": nothing is sent twice. */
  readonly #purged = new Map<string, bigint>();

  constructor(admin: TopicAdmin, topics: ReadonlySet<string>, intervalMs: number, clock: Clock, log: Logger) {
    this.#admin = admin;
    this.#topics = topics;
    this.#intervalMs = intervalMs;
    this.#clock = clock;
    this.#log = log;
    this.#last = clock.now();
  }

  /** Called after each successful commit with its offsets; starts a purge in the background when one is due. */
  maybePurge(committed: readonly PartitionOffset[]): void {
    if (this.#topics.size === 0 || this.#inFlight !== null || this.#clock.now() - this.#last < this.#intervalMs) return;
    const before = committed.filter((o) => this.#topics.has(o.topic) && o.offset > (this.#purged.get(`${o.topic}:${o.partition}`) ?? 0n));
    if (before.length === 0) return;
    this.#last = this.#clock.now();
    this.#inFlight = this.#admin
      .deleteRecords(before)
      .then(() => {
        for (const o of before) this.#purged.set(`${o.topic}:${o.partition}`, o.offset);
        this.#log.debug({ partitions: before.length }, 'purged consumed repartition records');
      })
      .catch((error: unknown) => this.#log.warn({ err: error instanceof Error ? error.message : String(error) }, 'repartition purge failed'))
      .finally(() => {
        this.#inFlight = null;
      });
  }

  /** Waits for a purge in flight (at close). */
  async idle(): Promise<void> {
    await this.#inFlight;
  }
}
