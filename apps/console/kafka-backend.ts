// The operator console's backend on a Kafka cluster, for when the apps run elsewhere (`risk-streams run`, or
// `npm start -- --brokers`): it follows the topics outside any group — the kill-switch table, the margin
// records, the enforcement ladder's store through its changelog, the router's recent decisions — and writes
// kill/unkill commands to killswitch.commands.v1, partitioned like the Java client.

import type { Logger } from '../../common/logger.ts';
import { changelogTopic } from '../../runtime/kafka/internal-topics.ts';
import { type KafkaConnectionOptions, PlatformaticKafkaFactory } from '../../runtime/kafka/kafka-adapter.ts';
import { IsolationLevel, type OutputProducer } from '../../runtime/kafka/ports.ts';
import { allPartitions, TopicFollower } from '../../runtime/kafka/topic-reader.ts';
import type { ConsumedRecord } from '../../common/record.ts';
import { RecordPartitioner } from '../../runtime/record-partitioner.ts';
import type { AccountState } from '../enforcement/ladder.ts';
import { ENFORCEMENT_STORE } from '../enforcement/topology.ts';
import { type KillCommand, KillState, type MarginCalc } from '../schemas/records.ts';
import { Topics } from '../schemas/topics.ts';
import {
  type AccountsByStatus,
  type AccountView,
  accountView,
  commandRecord,
  type ConsoleBackend,
  decodeDrop,
  decodeMarginCalc,
  type DroppedOrder,
  groupAccountsByStatus,
  parseJson,
  sortKillStates,
} from './backend.ts';
import { RingBuffer } from './ring-buffer.ts';

export interface KafkaConsoleBackendOptions {
  readonly connection: KafkaConnectionOptions;
  /** The enforcement app's application id, which names its store's changelog. Default `enforcement`. */
  readonly enforcementApplicationId?: string;
  /** How many recent drops are kept (the most `recentDrops` can return). Default 1000. */
  readonly dropsCapacity?: number;
  /** How often a topic that does not exist yet (an app not started) is looked for again. Default 5 s. */
  readonly retryMs?: number;
  readonly logger?: Logger;
}

type Feed = (records: readonly ConsumedRecord[]) => void;

/**
 * Everything the backend touches on the cluster; the deployment grants the console exactly this
 * (deploy/services.ts). It follows topics by offset, outside any consumer group, so it needs no group.
 */
export const consoleTopics = {
  follows: [Topics.KILLSWITCH_STATE, Topics.MARGIN_CALC, Topics.AUDIT],
  /** The enforcement ladder's store, read through its changelog. */
  enforcementChangelog: (enforcementApplicationId: string): string => changelogTopic(enforcementApplicationId, ENFORCEMENT_STORE),
  writes: [Topics.KILLSWITCH_COMMANDS],
} as const;

export class KafkaConsoleBackend implements ConsoleBackend {
  readonly dropsCapacity: number;
  readonly #factory: PlatformaticKafkaFactory;
  readonly #producer: OutputProducer;
  readonly #partitioner = new RecordPartitioner();
  readonly #log: Logger | undefined;
  readonly #states = new Map<string, KillState>();
  readonly #margins = new Map<string, MarginCalc>();
  readonly #enforced = new Map<string, AccountState>();
  readonly #drops: RingBuffer<DroppedOrder>;
  readonly #followers: TopicFollower[] = [];
  readonly #waiting = new Map<string, Feed>();
  readonly #partitionCounts = new Map<string, number>();
  #retry: NodeJS.Timeout | null = null;
  #closed = false;

  private constructor(options: KafkaConsoleBackendOptions) {
    this.#factory = new PlatformaticKafkaFactory({ ...options.connection, clientId: 'risk-console' });
    this.#producer = this.#factory.producer();
    this.#log = options.logger;
    this.dropsCapacity = options.dropsCapacity ?? 1000;
    this.#drops = new RingBuffer(this.dropsCapacity);
  }

  /**
   * Starts following the topics; resolves once the kill-switch table, the margin records and the ladder's
   * store are read up to where they were at the call, so the first page shows the current state.
   */
  static async start(options: KafkaConsoleBackendOptions): Promise<KafkaConsoleBackend> {
    const backend = new KafkaConsoleBackend(options);
    const feeds: Record<(typeof consoleTopics.follows)[number], Feed> = {
      [Topics.KILLSWITCH_STATE]: (records) => backend.#onState(records),
      [Topics.MARGIN_CALC]: (records) => backend.#onMargin(records),
      [Topics.AUDIT]: (records) => backend.#onAudit(records),
    };
    for (const topic of consoleTopics.follows) backend.#waiting.set(topic, feeds[topic]);
    backend.#waiting.set(consoleTopics.enforcementChangelog(options.enforcementApplicationId ?? 'enforcement'), (records) => backend.#onEnforcement(records));
    try {
      await backend.#attach();
    } catch (error) {
      await backend.close();
      throw error;
    }
    const retryMs = options.retryMs ?? 5000;
    if (backend.#waiting.size > 0) {
      backend.#log?.warn({ topics: [...backend.#waiting.keys()] }, 'console: topics not there yet, looking again periodically');
      backend.#retry = setInterval(() => void backend.#attach().catch((error: unknown) => backend.#log?.warn({ err: String(error) }, 'console: attach failed')), retryMs);
      backend.#retry.unref();
    }
    return backend;
  }

  killSwitchStates(): KillState[] {
    return sortKillStates([...this.#states.values()]);
  }

  account(accountId: string): AccountView | null {
    return accountView(accountId, this.#margins.get(accountId), this.#enforced.get(accountId));
  }

  accountsByStatus(): AccountsByStatus {
    return groupAccountsByStatus(this.#margins, this.#enforced);
  }

  recentDrops(limit: number): DroppedOrder[] {
    return this.#drops.newest(limit);
  }

  async submitCommand(command: KillCommand): Promise<void> {
    const record = commandRecord(command);
    const partitions = await this.#partitionsOf(record.topic);
    await this.#producer.send([{ ...record, partition: this.#partitioner.partition(record.topic, record.key, partitions) }]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry !== null) clearInterval(this.#retry);
    await Promise.all([...this.#followers.map((f) => f.stop()), this.#producer.close().catch(() => {})]);
  }

  /** Starts a follower for each awaited topic that exists now. */
  async #attach(): Promise<void> {
    if (this.#closed || this.#waiting.size === 0) return;
    const admin = this.#factory.admin();
    let counts: Map<string, number>;
    try {
      counts = await admin.partitionCounts([...this.#waiting.keys()]);
    } finally {
      await admin.close();
    }
    const started: TopicFollower[] = [];
    for (const [topic, feed] of this.#waiting) {
      const partitions = counts.get(topic);
      if (partitions === undefined) continue;
      this.#waiting.delete(topic);
      this.#partitionCounts.set(topic, partitions);
      const follower = new TopicFollower(this.#factory.fetcher(`console-${topic}`, IsolationLevel.READ_COMMITTED), allPartitions(topic, partitions), feed, {
        // The audit topic holds every decision ever made: only the newest can be among the recent drops.
        ...(topic === Topics.AUDIT ? { tail: this.dropsCapacity } : {}),
        onError: (error) => this.#log?.warn({ topic, err: error instanceof Error ? error.message : String(error) }, 'console: fetch failed, retrying'),
      });
      await follower.start();
      this.#followers.push(follower);
      started.push(follower);
    }
    await Promise.all(started.map((f) => f.caughtUp()));
    if (this.#waiting.size === 0 && this.#retry !== null) {
      clearInterval(this.#retry);
      this.#retry = null;
    }
  }

  async #partitionsOf(topic: string): Promise<number> {
    let n = this.#partitionCounts.get(topic);
    if (n === undefined) {
      const admin = this.#factory.admin();
      try {
        n = (await admin.partitionCounts([topic])).get(topic);
      } finally {
        await admin.close();
      }
      if (n === undefined) throw new Error(`topic ${topic} does not exist: create the contract's topics first`);
      this.#partitionCounts.set(topic, n);
    }
    return n;
  }

  #onState(records: readonly ConsumedRecord[]): void {
    for (const r of records) {
      if (r.key === null) continue;
      const scope = r.key.toString('utf8');
      if (r.value === null) {
        this.#states.delete(scope);
        continue;
      }
      // A malformed state is the dead-letter topic's business; the table keeps the last good one.
      const parsed = KillState.safeParse(parseJson(r.value));
      if (parsed.success) this.#states.set(scope, parsed.data);
    }
  }

  #onMargin(records: readonly ConsumedRecord[]): void {
    for (const r of records) {
      if (r.key === null) continue;
      const account = r.key.toString('utf8');
      if (r.value === null) {
        this.#margins.delete(account);
        continue;
      }
      const margin = decodeMarginCalc(r.value);
      if (margin !== null) this.#margins.set(account, margin);
    }
  }

  #onEnforcement(records: readonly ConsumedRecord[]): void {
    for (const r of records) {
      if (r.key === null) continue;
      const account = r.key.toString('utf8');
      const state = r.value === null ? undefined : (parseJson(r.value) as AccountState | undefined);
      if (state === undefined) this.#enforced.delete(account);
      else this.#enforced.set(account, state);
    }
  }

  #onAudit(records: readonly ConsumedRecord[]): void {
    // Keyed by order id, drops spread over partitions: this batch's go in by event time (stable on ties).
    const found: DroppedOrder[] = [];
    for (const r of records) {
      const drop = decodeDrop(r.value);
      if (drop !== null) found.push(drop);
    }
    found.sort((a, b) => a.ts - b.ts);
    for (const drop of found) this.#drops.push(drop);
  }
}
