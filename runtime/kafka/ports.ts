// The small ports between the Kafka runtime and the client library: admin, a raw fetcher, group
// membership, and producers. kafka-adapter.ts implements them on @platformatic/kafka; nothing else here
// knows the client, so the runtime can be tested against fakes and the client swapped.

import type { ConsumedRecord, ProducedRecord } from '../../common/record.ts';

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface PartitionOffset extends TopicPartition {
  readonly offset: bigint;
}

export const IsolationLevel = { READ_UNCOMMITTED: 'read_uncommitted', READ_COMMITTED: 'read_committed' } as const;
export type IsolationLevel = (typeof IsolationLevel)[keyof typeof IsolationLevel];

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly config?: Readonly<Record<string, string>>;
}

export interface TopicAdmin {
  /** Creates the topics that do not exist; existing ones are left alone (check their counts with partitionCounts). */
  createTopics(specs: readonly TopicSpec[]): Promise<void>;
  /** Partition count per topic; topics that do not exist are absent from the map. */
  partitionCounts(topics: readonly string[]): Promise<Map<string, number>>;
  deleteTopics(topics: readonly string[]): Promise<void>;
  /** Deletes each partition's records below the given offset (Kafka's DeleteRecords). */
  deleteRecords(before: readonly PartitionOffset[]): Promise<void>;
  close(): Promise<void>;
}

/** What one partition of a fetch brought back. */
export interface FetchedPartition extends TopicPartition {
  /** The offset this fetch asked for. */
  readonly fetchOffset: bigint;
  /** Data records at or after the requested offset, aborted transactions and control records removed. */
  readonly records: ConsumedRecord[];
  /** Where the next fetch of this partition starts (past control and filtered batches too). */
  readonly nextOffset: bigint;
  /** The end of what this isolation level may read (LSO under read_committed, else the high watermark). */
  readonly endOffset: bigint;
  readonly logStartOffset: bigint;
  readonly error: 'offset_out_of_range' | 'retriable' | null;
}

export interface FetchOptions {
  readonly maxWaitMs: number;
  readonly maxBytes?: number;
  readonly partitionMaxBytes?: number;
}

/** Raw fetches by offset, without a group: the main loop, restoration and global stores each own one. */
export interface Fetcher {
  fetch(positions: readonly PartitionOffset[], options: FetchOptions): Promise<FetchedPartition[]>;
  /** Next offset past the last readable record per "topic:partition" (LSO under read_committed). */
  endOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>>;
  beginningOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>>;
  close(): Promise<void>;
}

/** A member's identity in one generation of the group, as offset commits must carry it. */
export interface GroupGeneration {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly coordinatorId: number;
}

export interface MemberSubscription {
  readonly memberId: string;
  readonly userData: Buffer | null;
}

/** Computes the whole group's assignment on the leader: member id → topic → partitions. */
export type GroupAssignor = (
  members: readonly MemberSubscription[],
  partitionCounts: ReadonlyMap<string, number>,
) => Map<string, Map<string, number[]>>;

export interface GroupCallbacks {
  /**
   * Runs before every JoinGroup request and delays it until it resolves: the moment to commit what was
   * processed while the partitions are still ours. Resolves to this member's subscription user data.
   */
  beforeJoin(): Promise<Buffer>;
  /** The group settled: the partitions this member owns now, in this generation. */
  assigned(partitions: TopicPartition[], generation: GroupGeneration): void;
  /** Membership failed for good (the client gave up rejoining). */
  failed(error: Error): void;
}

export interface GroupMembership extends Fetcher {
  join(topics: readonly string[], assignor: GroupAssignor, callbacks: GroupCallbacks): Promise<void>;
  /** Sends a new JoinGroup (after join): the way to get a fresh assignment once tasks were lost. */
  rejoin(): Promise<void>;
  /** Commits with the given generation and never retries under a newer one: a stale commit fails with TaskMigratedError. */
  commit(offsets: readonly PartitionOffset[], generation: GroupGeneration): Promise<void>;
  /** The group's committed offsets per "topic:partition"; partitions without one are absent. */
  committed(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>>;
  leave(): Promise<void>;
}

export type OutgoingRecord = ProducedRecord & { readonly partition: number };

/** Sends batches of already partitioned records; resolves when the broker acknowledged all of them. */
export interface OutputProducer {
  send(records: readonly OutgoingRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** An exactly-once producer: output and consumed offsets committed atomically, one transaction at a time. */
export interface TransactionalProducer {
  readonly inTransaction: boolean;
  begin(): Promise<void>;
  send(records: readonly OutgoingRecord[]): Promise<void>;
  /** Adds the consumed offsets under the group generation, then commits the transaction. */
  commit(offsets: readonly PartitionOffset[], generation: GroupGeneration): Promise<void>;
  abort(): Promise<void>;
  close(): Promise<void>;
}

export interface MemberOptions {
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
  /** A static member: its close does not leave the group, so a restart within the session timeout keeps its partitions. */
  readonly groupInstanceId?: string;
}

/** Everything the runtime needs from a Kafka client, created per app instance. */
export interface KafkaClientFactory {
  admin(): TopicAdmin;
  fetcher(name: string, isolation: IsolationLevel): Fetcher;
  member(groupId: string, options: MemberOptions): GroupMembership;
  producer(): OutputProducer;
  transactionalProducer(transactionalId: string, transactionTimeoutMs: number): TransactionalProducer;
}

export const partitionKey = (topic: string, partition: number): string => `${topic}:${partition}`;
