// Commits for the two processing guarantees. Both follow Kafka Streams' order: 1. flush the stores (caches
// forward, changelog records are produced) 2. get all output acknowledged 3. commit the consumed offsets,
// alone (at_least_once) or in the same transaction as the output (exactly_once_v2). Like Kafka Streams (a task
// commits only when it needs to), a commit sends only the offsets that moved since the last one, and a commit
// with nothing to send costs no request: a short commit interval costs nothing while the input is quiet.

import { partitionKey, type GroupGeneration, type GroupMembership, type OutgoingRecord, type OutputProducer, type PartitionOffset, type TransactionalProducer } from './ports.ts';
import type { KafkaRecordCollector } from './kafka-record-collector.ts';
import type { TaskManager } from './task-manager.ts';

export interface Committer {
  /** Where the collector's batches go. */
  deliver(records: readonly OutgoingRecord[]): Promise<void>;
  /**
   * Commits every task of `tasks` under `generation`; returns the number of partitions committed.
   * Throws TaskMigratedError when the group refused the generation: the caller closes the tasks dirty.
   */
  commit(tasks: TaskManager, collector: KafkaRecordCollector, generation: GroupGeneration): Promise<number>;
  /** Gives up on output not yet committed (an open transaction is aborted). */
  abandon(collector: KafkaRecordCollector): Promise<void>;
  close(): Promise<void>;
}

/** The offsets committed so far in this member's generation, per "topic:partition". */
class CommittedOffsets {
  #generation: GroupGeneration | null = null;
  readonly #offsets = new Map<string, bigint>();

  /** The offsets of `offsets` not committed yet; everything after a new generation (a rebalance). */
  moved(offsets: readonly PartitionOffset[], generation: GroupGeneration): PartitionOffset[] {
    const g = this.#generation;
    if (g === null || g.generationId !== generation.generationId || g.memberId !== generation.memberId || g.groupId !== generation.groupId) {
      this.#offsets.clear();
      this.#generation = generation;
    }
    return offsets.filter((o) => this.#offsets.get(partitionKey(o.topic, o.partition)) !== o.offset);
  }

  committed(offsets: readonly PartitionOffset[]): void {
    for (const o of offsets) this.#offsets.set(partitionKey(o.topic, o.partition), o.offset);
  }
}

export class AtLeastOnceCommitter implements Committer {
  readonly #producer: OutputProducer;
  readonly #member: GroupMembership;
  readonly #committed = new CommittedOffsets();

  constructor(producer: OutputProducer, member: GroupMembership) {
    this.#producer = producer;
    this.#member = member;
  }

  deliver(records: readonly OutgoingRecord[]): Promise<void> {
    return this.#producer.send(records);
  }

  async commit(tasks: TaskManager, collector: KafkaRecordCollector, generation: GroupGeneration): Promise<number> {
    // 1. flush caches and stores: their updates reach the collector
    const offsets = tasks.prepareCommit();
    // 2. every record produced so far, output and changelog, acknowledged by the brokers
    await collector.flush();
    // 3. only then the offsets: a crash before this point replays input, never loses it
    const moved = this.#committed.moved(offsets, generation);
    if (moved.length === 0) return 0;
    await this.#member.commit(moved, generation);
    this.#committed.committed(moved);
    return moved.length;
  }

  async abandon(collector: KafkaRecordCollector): Promise<void> {
    // Output already sent stays; at_least_once accepts the duplicates a replay will add.
    collector.discard();
    await collector.flush().catch(() => {});
    collector.reset();
  }

  async close(): Promise<void> {
    await this.#producer.close();
  }
}

export class ExactlyOnceCommitter implements Committer {
  readonly #producer: TransactionalProducer;
  readonly #committed = new CommittedOffsets();

  constructor(producer: TransactionalProducer) {
    this.#producer = producer;
  }

  async deliver(records: readonly OutgoingRecord[]): Promise<void> {
    if (!this.#producer.inTransaction) await this.#producer.begin();
    await this.#producer.send(records);
  }

  async commit(tasks: TaskManager, collector: KafkaRecordCollector, generation: GroupGeneration): Promise<number> {
    // 1. flush caches and stores: their updates reach the collector
    const offsets: PartitionOffset[] = tasks.prepareCommit();
    try {
      // 2. everything buffered goes into the open transaction (opened by the first batch)
      await collector.flush();
      const moved = this.#committed.moved(offsets, generation);
      if (!this.#producer.inTransaction) {
        if (moved.length === 0) return 0;
        await this.#producer.begin();
      }
      // 3. offsets join the transaction under the group generation (zombies are refused), then commit
      await this.#producer.commit(moved, generation);
      this.#committed.committed(moved);
      return moved.length;
    } catch (error) {
      await this.abandon(collector);
      throw error;
    }
  }

  async abandon(collector: KafkaRecordCollector): Promise<void> {
    collector.discard();
    await collector.flush().catch(() => {});
    collector.reset();
    await this.#producer.abort().catch(() => {});
  }

  async close(): Promise<void> {
    await this.#producer.close();
  }
}
