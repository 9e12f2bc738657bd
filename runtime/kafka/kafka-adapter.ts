// The one module that imports @platformatic/kafka: it implements the ports of ports.ts on the client and
// works around what the client lacks for a streams engine (see shared notes on the client): raw fetches
// with our own read_committed filter on connections of their own, offset commits that never rejoin and retry
// under a newer generation, a JoinGroup hook that lets the runtime commit before its partitions are revoked,
// a transaction's offsets in one request, and a transactional producer recreated when fenced.

import {
  Admin,
  ConnectionPool,
  Consumer,
  FetchIsolationLevels,
  Producer,
  ProduceAcks,
  kGetApi,
  kGetConnection,
  kOptions,
  type ClusterMetadata,
  type ConnectionOptions,
  type ExtendedGroupProtocolSubscription,
  type GroupPartitionsAssignments,
  type SASLOptions,
} from '@platformatic/kafka';
import { StreamsError, TaskMigratedError } from '../../common/errors.ts';
import { decodeBatches } from './record-batches.ts';
import {
  IsolationLevel,
  partitionKey,
  type FetchedPartition,
  type FetchOptions,
  type Fetcher,
  type GroupAssignor,
  type GroupCallbacks,
  type GroupGeneration,
  type GroupMembership,
  type KafkaClientFactory,
  type MemberOptions,
  type OutgoingRecord,
  type OutputProducer,
  type PartitionOffset,
  type TopicAdmin,
  type TopicPartition,
  type TopicSpec,
  type TransactionalProducer,
} from './ports.ts';

export type KafkaSaslOptions = SASLOptions;
export type KafkaTlsOptions = NonNullable<ConnectionOptions['tls']>;
type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;
type Transaction = Awaited<ReturnType<Producer['beginTransaction']>>;

export interface KafkaConnectionOptions {
  /** `host:port` of one or more brokers. */
  readonly brokers: readonly string[];
  /** Prefix of every client id this instance uses. */
  readonly clientId?: string;
  readonly sasl?: KafkaSaslOptions;
  readonly tls?: KafkaTlsOptions;
  /** Per-request timeout (ms). */
  readonly requestTimeoutMs?: number;
}

/** The protocol name members advertise; members of one application must agree on it. */
const PROTOCOL = 'risk-streams';

const ListOffset = { LATEST: -1n, EARLIEST: -2n } as const;

// Errors in a commit or transactional offset commit that mean this member's generation is over.
const MIGRATED = new Set(['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID']);
const FENCED = new Set(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);

interface ErrorLike {
  apiId?: string;
  errors?: ErrorLike[];
  cause?: unknown;
  response?: unknown;
}

/** Every protocol error id found in a (possibly nested) client error. */
function errorIds(error: unknown, into = new Set<string>()): Set<string> {
  if (typeof error !== 'object' || error === null) return into;
  const e = error as ErrorLike;
  if (typeof e.apiId === 'string') into.add(e.apiId);
  for (const inner of e.errors ?? []) errorIds(inner, into);
  if (e.cause !== undefined) errorIds(e.cause, into);
  return into;
}

/** Offset fetches worth repeating: a transaction still committing offsets, a coordinator loading or moving. */
const COORDINATOR_MOVED = new Set(['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE']);
const RETRY_COMMITTED = new Set(['UNSTABLE_OFFSET_COMMIT', 'COORDINATOR_LOAD_IN_PROGRESS', ...COORDINATOR_MOVED]);
const hasAny = (error: unknown, ids: ReadonlySet<string>) => [...errorIds(error)].some((id) => ids.has(id));

export function isFencedError(error: unknown): boolean {
  return hasAny(error, FENCED);
}

/** Waits until the cluster answers metadata with at least one registered broker. */
export async function clusterReady(brokers: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const admin = new Admin({ clientId: 'risk-streams-probe', bootstrapBrokers: [...brokers], retries: 0, timeout: 500, connectTimeout: 500, requestTimeout: 500 });
    try {
      const metadata = await admin.metadata({ topics: [] });
      if (metadata.brokers.size > 0) return;
    } catch (error) {
      last = error;
    } finally {
      await admin.close().catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new StreamsError('STREAMS_KAFKA_UNREACHABLE', `no Kafka broker answered at ${brokers.join(',')} within ${timeoutMs} ms`, { cause: last });
}

export class PlatformaticKafkaFactory implements KafkaClientFactory {
  readonly #options: KafkaConnectionOptions;
  readonly #clientId: string;

  constructor(options: KafkaConnectionOptions) {
    this.#options = options;
    this.#clientId = options.clientId ?? 'risk-streams';
  }

  base(suffix: string) {
    const o = this.#options;
    return {
      clientId: `${this.#clientId}-${suffix}`,
      bootstrapBrokers: [...o.brokers],
      ...(o.sasl === undefined ? {} : { sasl: o.sasl }),
      ...(o.tls === undefined ? {} : { tls: o.tls }),
      requestTimeout: o.requestTimeoutMs ?? 30_000,
      // Exponential backoff from 50 ms to 2 s, about 25 s in all: rides out a leader election or a broker
      // restart without the client's flat one-second delay slowing every transient retry.
      retries: 16,
      retryDelay: (_client: unknown, _operation: string, attempt: number) => Math.min(50 * 2 ** (attempt - 1), 2000),
    };
  }

  admin(): TopicAdmin {
    return new KafkaTopicAdmin(new Admin(this.base('admin')));
  }

  fetcher(name: string, isolation: IsolationLevel): Fetcher {
    const consumer = new Consumer({ ...this.base(name), groupId: `${this.#clientId}-${name}`, autocommit: false, isolationLevel: isolationValue(isolation) });
    return new KafkaFetcher(consumer, isolation);
  }

  member(groupId: string, options: MemberOptions): GroupMembership {
    const consumer = new Consumer({
      ...this.base('main'),
      groupId,
      ...(options.groupInstanceId === undefined ? {} : { groupInstanceId: options.groupInstanceId }),
      autocommit: false,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      rebalanceTimeout: options.rebalanceTimeoutMs,
    });
    return new KafkaGroupMember(consumer);
  }

  producer(): OutputProducer {
    return new KafkaOutputProducer(new Producer({ ...this.base('producer'), idempotent: true, acks: ProduceAcks.ALL }));
  }

  transactionalProducer(transactionalId: string, transactionTimeoutMs: number): TransactionalProducer {
    const base = this.base('tx-producer');
    // A transaction's first AddPartitionsToTxn (or AddOffsetsToTxn) is refused with CONCURRENT_TRANSACTIONS
    // while the coordinator still writes the previous transaction's markers, a few milliseconds after each
    // commit. Retried after the usual 50 ms, every commit would hold the next output that long; the Java
    // producer retries this after 20 ms, here from 5 ms up.
    const retryDelay = (client: unknown, operation: string, attempt: number) =>
      operation === 'addPartitionsToTransaction' || operation === 'addOffsetsToTransaction' ? Math.min(5 * 2 ** (attempt - 1), 2000) : base.retryDelay(client, operation, attempt);
    // The client's `timeout` is also the transaction timeout sent in InitProducerId.
    const create = () => new Producer({ ...base, retryDelay, transactionalId, idempotent: true, acks: ProduceAcks.ALL, timeout: transactionTimeoutMs });
    return new KafkaTransactionalProducer(transactionalId, create);
  }
}

const isolationValue = (isolation: IsolationLevel) =>
  isolation === IsolationLevel.READ_COMMITTED ? FetchIsolationLevels.READ_COMMITTED : FetchIsolationLevels.READ_UNCOMMITTED;

class KafkaTopicAdmin implements TopicAdmin {
  readonly #admin: Admin;
  constructor(admin: Admin) {
    this.#admin = admin;
  }

  async createTopics(specs: readonly TopicSpec[]): Promise<void> {
    const existing = await this.partitionCounts(specs.map((s) => s.name));
    // One call per topic: the client applies one configs list to every topic of a call.
    for (const spec of specs) {
      if (existing.has(spec.name)) continue;
      try {
        await this.#admin.createTopics({
          topics: [spec.name],
          partitions: spec.partitions,
          replicas: -1,
          configs: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
        });
      } catch (error) {
        if (!errorIds(error).has('TOPIC_ALREADY_EXISTS')) throw error;
      }
    }
    // A created topic reaches the brokers' metadata a moment later; producing before that fails.
    const created = specs.filter((s) => !existing.has(s.name));
    for (let attempt = 0; created.length > 0; attempt++) {
      const visible = await this.#leadersKnown(created.map((s) => s.name));
      if (visible) return;
      if (attempt >= 100) throw new StreamsError('STREAMS_KAFKA_TOPIC', `created topics ${created.map((s) => s.name).join(', ')} did not appear in metadata`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async #leadersKnown(topics: string[]): Promise<boolean> {
    try {
      const metadata = await this.#admin.metadata({ topics, forceUpdate: true, retries: 0 });
      return topics.every((t) => metadata.topics.get(t)?.partitions.every((p) => p.leader >= 0) === true);
    } catch {
      return false;
    }
  }

  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (topics.length === 0) return counts;
    // Metadata for an unknown topic is retried for seconds by the client: ask which exist first.
    const names = new Set(await this.#admin.listTopics({ includeInternals: false }));
    const present = topics.filter((t) => names.has(t));
    if (present.length === 0) return counts;
    const metadata = await this.#admin.metadata({ topics: present, forceUpdate: true });
    for (const topic of present) {
      const t = metadata.topics.get(topic);
      if (t !== undefined) counts.set(topic, t.partitionsCount);
    }
    return counts;
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    if (topics.length > 0) await this.#admin.deleteTopics({ topics: [...topics] });
  }

  async deleteRecords(before: readonly PartitionOffset[]): Promise<void> {
    if (before.length === 0) return;
    const byTopic = new Map<string, Array<{ partition: number; offset: bigint }>>();
    for (const o of before) {
      let list = byTopic.get(o.topic);
      if (list === undefined) byTopic.set(o.topic, (list = []));
      list.push({ partition: o.partition, offset: o.offset });
    }
    await this.#admin.deleteRecords({ topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) });
  }

  async close(): Promise<void> {
    await this.#admin.close();
  }
}

class KafkaFetcher implements Fetcher {
  protected readonly consumer: Consumer;
  readonly #isolation: IsolationLevel;
  /**
   * Fetches travel on connections of their own, as the client's own consume streams do. A broker serves one
   * request per connection at a time: a long poll sharing the connection would hold up the heartbeats, offset
   * commits, metadata and offset lookups queued behind it, and a slow JoinGroup or commit would hold up a fetch.
   */
  readonly #fetchConnections: ConnectionPool;

  constructor(consumer: Consumer, isolation: IsolationLevel) {
    this.consumer = consumer;
    this.#isolation = isolation;
    this.#fetchConnections = new ConnectionPool(consumer.clientId, { ...(consumer[kOptions] as object) });
    // An 'error' event without a listener would crash the process; the runtime sees failures through calls.
    consumer.on('error', () => {});
  }

  async fetch(positions: readonly PartitionOffset[], options: FetchOptions): Promise<FetchedPartition[]> {
    if (positions.length === 0) return [];
    const topics = [...new Set(positions.map((p) => p.topic))];
    const metadata = await this.consumer.metadata({ topics });
    const byNode = new Map<number, PartitionOffset[]>();
    for (const p of positions) {
      const leader = metadata.topics.get(p.topic)?.partitions[p.partition]?.leader;
      if (leader === undefined || leader < 0) continue;
      let list = byNode.get(leader);
      if (list === undefined) byNode.set(leader, (list = []));
      list.push(p);
    }
    const results = await Promise.all([...byNode].map(([node, list]) => this.#fetchFromNode(node, list, metadata, options)));
    return results.flat();
  }

  async #fetchFromNode(node: number, positions: PartitionOffset[], metadata: ClusterMetadata, options: FetchOptions): Promise<FetchedPartition[]> {
    const requested = new Map(positions.map((p) => [partitionKey(p.topic, p.partition), p.offset]));
    const idToName = new Map<string, string>();
    const byTopic = new Map<string, PartitionOffset[]>();
    for (const p of positions) {
      let list = byTopic.get(p.topic);
      if (list === undefined) byTopic.set(p.topic, (list = []));
      list.push(p);
    }
    const topics = [...byTopic].map(([topic, list]) => {
      const id = metadata.topics.get(topic)!.id;
      idToName.set(id, topic);
      return {
        topicId: id,
        partitions: list.map((p) => ({
          partition: p.partition,
          fetchOffset: p.offset,
          partitionMaxBytes: options.partitionMaxBytes ?? 1_048_576,
          currentLeaderEpoch: -1,
          lastFetchedEpoch: -1,
        })),
      };
    });
    let response: FetchResponse;
    try {
      response = await this.consumer.fetch({
        node,
        connectionPool: this.#fetchConnections,
        topics,
        maxWaitTime: options.maxWaitMs,
        minBytes: 1,
        maxBytes: options.maxBytes ?? 52_428_800,
        isolationLevel: isolationValue(this.#isolation),
      });
    } catch (error) {
      // A partition-level error fails the whole call, but the response still carries the other partitions.
      const partial = (error as ErrorLike).response as FetchResponse | undefined;
      if (partial?.responses === undefined) {
        this.consumer.clearMetadata();
        return positions.map((p) => ({ topic: p.topic, partition: p.partition, fetchOffset: p.offset, records: [], nextOffset: p.offset, endOffset: -1n, logStartOffset: -1n, error: 'retriable' as const }));
      }
      response = partial;
    }
    const readCommitted = this.#isolation === IsolationLevel.READ_COMMITTED;
    const out: FetchedPartition[] = [];
    for (const t of response.responses) {
      const topic = idToName.get(t.topicId) ?? t.topicId;
      for (const p of t.partitions) {
        const offset = requested.get(partitionKey(topic, p.partitionIndex));
        if (offset === undefined) continue;
        const base = { topic, partition: p.partitionIndex, fetchOffset: offset, logStartOffset: p.logStartOffset };
        const endOffset = readCommitted ? p.lastStableOffset : p.highWatermark;
        if (p.errorCode !== 0) {
          const error = p.errorCode === 1 ? 'offset_out_of_range' : 'retriable';
          if (error === 'retriable') this.consumer.clearMetadata();
          out.push({ ...base, records: [], nextOffset: offset, endOffset, error });
          continue;
        }
        const decoded = decodeBatches(topic, p.partitionIndex, offset, p.records, readCommitted ? (p.abortedTransactions ?? []) : null);
        out.push({ ...base, records: decoded.records, nextOffset: decoded.nextOffset, endOffset, error: null });
      }
    }
    return out;
  }

  endOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
    return this.#listOffsets(partitions, ListOffset.LATEST);
  }

  beginningOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
    return this.#listOffsets(partitions, ListOffset.EARLIEST);
  }

  async #listOffsets(partitions: readonly TopicPartition[], timestamp: bigint): Promise<Map<string, bigint>> {
    const out = new Map<string, bigint>();
    if (partitions.length === 0) return out;
    const byTopic: Record<string, number[]> = {};
    for (const p of partitions) (byTopic[p.topic] ??= []).push(p.partition);
    const offsets = await this.consumer.listOffsets({
      topics: Object.keys(byTopic),
      partitions: byTopic,
      timestamp,
      isolationLevel: isolationValue(this.#isolation),
    });
    for (const p of partitions) {
      const offset = offsets.get(p.topic)?.[p.partition];
      if (offset !== undefined && offset >= 0n) out.set(partitionKey(p.topic, p.partition), offset);
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([this.consumer.close(true), this.#fetchConnections.close()]);
  }
}

class KafkaGroupMember extends KafkaFetcher implements GroupMembership {
  #joinOptions: Parameters<Consumer['joinGroup']>[0] | null = null;

  constructor(consumer: Consumer) {
    super(consumer, IsolationLevel.READ_COMMITTED);
  }

  async rejoin(): Promise<void> {
    if (this.#joinOptions === null) throw new StreamsError('STREAMS_ILLEGAL_STATE', 'rejoin before join');
    await this.consumer.joinGroup({ ...this.#joinOptions });
  }

  async join(topics: readonly string[], assignor: GroupAssignor, callbacks: GroupCallbacks): Promise<void> {
    const consumer = this.consumer;
    // Without consume() nothing is subscribed: track the topics so JoinGroup carries them.
    for (const topic of topics) consumer.topics.track(topic);
    consumer.on('consumer:group:join', (payload) => {
      const partitions = (payload.assignments ?? []).flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition })));
      callbacks.assigned(partitions, this.#generation());
    });
    // The client reports a rejoin that failed for good only through its 'error' event.
    consumer.on('error', (error: Error) => {
      if (consumer.isActive() || consumer.closed) return;
      callbacks.failed(error);
    });
    const partitionAssigner = (_current: string, members: Map<string, ExtendedGroupProtocolSubscription>, subscribed: Set<string>, metadata: ClusterMetadata): GroupPartitionsAssignments[] => {
      const counts = new Map<string, number>();
      for (const topic of subscribed) {
        const t = metadata.topics.get(topic);
        if (t !== undefined) counts.set(topic, t.partitionsCount);
      }
      const subscriptions = [...members.values()].map((m) => ({ memberId: m.memberId, userData: m.metadata === undefined ? null : Buffer.from(m.metadata) }));
      const plan = assignor(subscriptions, counts);
      return subscriptions.map(({ memberId }) => ({
        memberId,
        assignments: new Map([...(plan.get(memberId) ?? new Map<string, number[]>())].map(([topic, partitions]) => [topic, { topic, partitions }])),
      }));
    };
    this.#joinOptions = {
      protocols: [{ name: PROTOCOL, version: 1 }],
      partitionAssigner,
      // Called by the client before each JoinGroup request, and awaited: our revocation point.
      protocolsMetadata: () => callbacks.beforeJoin(),
    };
    await consumer.joinGroup({ ...this.#joinOptions });
  }

  #generation(): GroupGeneration {
    const c = this.consumer;
    return { groupId: c.groupId, generationId: c.generationId, memberId: c.memberId ?? '', coordinatorId: c.coordinatorId ?? -1 };
  }

  /** A connection to the group coordinator and the client's encoder for one API, for requests sent by hand. */
  async #coordinatorApi(name: 'OffsetCommit' | 'OffsetFetch'): Promise<{ connection: any; api: any }> {
    const consumer = this.consumer;
    const coordinator = await consumer.findGroupCoordinator();
    const metadata = await consumer.metadata({ topics: [] });
    const broker = metadata.brokers.get(coordinator);
    if (broker === undefined) throw new StreamsError('STREAMS_KAFKA_COORDINATOR', `coordinator ${coordinator} is not in the metadata`);
    const connection = await new Promise<any>((resolve, reject) => consumer[kGetConnection](broker, (e: Error | null, c?: unknown) => (e ? reject(e) : resolve(c))));
    const api = await new Promise<any>((resolve, reject) => consumer[kGetApi](name, (e: Error | null, a?: unknown) => (e ? reject(e) : resolve(a))));
    return { connection, api };
  }

  async commit(offsets: readonly PartitionOffset[], generation: GroupGeneration): Promise<void> {
    if (offsets.length === 0) return;
    const consumer = this.consumer;
    const topics = new Map<string, { name: string; partitions: { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number }[] }>();
    for (const o of offsets) {
      let t = topics.get(o.topic);
      if (t === undefined) topics.set(o.topic, (t = { name: o.topic, partitions: [] }));
      t.partitions.push({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1 });
    }
    // Sent by hand: the client's commit() rejoins the group and retries under the new generation, which
    // would commit partitions this member may no longer own.
    for (let attempt = 0; ; attempt++) {
      try {
        const { connection, api } = await this.#coordinatorApi('OffsetCommit');
        await api.async(connection, generation.groupId, generation.generationId, generation.memberId, consumer.groupInstanceId, [...topics.values()]);
        return;
      } catch (error) {
        if (hasAny(error, MIGRATED)) {
          throw new TaskMigratedError(`offset commit refused for generation ${generation.generationId}: this member lost its partitions`, { cause: error });
        }
        if (attempt >= 5) throw error;
        consumer.clearMetadata();
        await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
      }
    }
  }

  async committed(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
    const out = new Map<string, bigint>();
    if (partitions.length === 0) return out;
    const byTopic = new Map<string, number[]>();
    for (const p of partitions) {
      let list = byTopic.get(p.topic);
      if (list === undefined) byTopic.set(p.topic, (list = []));
      list.push(p.partition);
    }
    // Sent by hand with require_stable: the client's listCommittedOffsets does not set it, so right after a hand-over
    // it could return an offset older than the one the previous owner's transaction is still committing, and the
    // records between would be processed twice. With it, the broker answers UNSTABLE_OFFSET_COMMIT until that
    // transaction completes, and we ask again.
    const consumer = this.consumer;
    const topics = [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
    for (let attempt = 0; ; attempt++) {
      try {
        const { connection, api } = await this.#coordinatorApi('OffsetFetch');
        if (api.version < 8) throw new StreamsError('STREAMS_KAFKA_VERSION', `the broker offers OffsetFetch v${api.version}; Kafka 3.0 or newer (v8) is needed`);
        const response = await api.async(connection, [{ groupId: consumer.groupId, memberId: null, memberEpoch: -1, topics }], true);
        for (const group of response.groups) {
          for (const topic of group.topics) {
            for (const p of topic.partitions) {
              if (p.committedOffset >= 0n) out.set(partitionKey(topic.name, p.partitionIndex), p.committedOffset);
            }
          }
        }
        return out;
      } catch (error) {
        if (attempt >= 100 || !hasAny(error, RETRY_COMMITTED)) throw error;
        if (hasAny(error, COORDINATOR_MOVED)) consumer.clearMetadata();
        await new Promise((r) => setTimeout(r, Math.min(10 * (attempt + 1), 200)));
      }
    }
  }

  override async close(): Promise<void> {
    const consumer = this.consumer;
    if (consumer.groupInstanceId !== null && consumer.memberId !== null) {
      // A static member keeps its place until its session times out, so a quick restart gets its partitions
      // back with no rebalance. The client's close would send LeaveGroup (without the instance id, which
      // hands the partitions to the others at once); forgetting the member id first makes its leave only stop
      // the heartbeats.
      consumer.memberId = null;
      try {
        await consumer.leaveGroup(true);
      } catch {
        // nothing was sent; the close below still releases the connections
      }
    }
    await super.close();
  }

  async leave(): Promise<void> {
    if (this.consumer.memberId === null) return;
    try {
      await this.consumer.leaveGroup(true);
    } catch {
      // leaving is a courtesy to speed up the next rebalance; the session timeout does it otherwise
    }
  }
}

/**
 * The client puts everything a send() holds for one partition into one record batch and never splits it,
 * while brokers refuse batches over message.max.bytes (1 MiB by default): cut sends by size.
 */
const MAX_SEND_BYTES = 768 * 1024;

/**
 * The client (its @platformatic/dynamic-buffer 0.3.1) encodes a record's timestamp delta from the batch's first
 * timestamp wrongly once it reaches 2^31 ms (its 64-bit zigzag shifts by 31 and its varint stops at 32 bits): the
 * broker reads another timestamp, or refuses it as out of range. Records that far apart (24.8 days: a replay
 * of old events next to new ones) go in separate sends.
 */
const MAX_TIMESTAMP_SPAN = 2 ** 31 - 1;

function* bySize(records: readonly OutgoingRecord[]): Generator<readonly OutgoingRecord[]> {
  let start = 0;
  let bytes = 0;
  let minTs = Number.POSITIVE_INFINITY;
  let maxTs = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const size = 70 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
    const lo = r.timestamp < minTs ? r.timestamp : minTs;
    const hi = r.timestamp > maxTs ? r.timestamp : maxTs;
    if (i > start && (bytes + size > MAX_SEND_BYTES || hi - lo > MAX_TIMESTAMP_SPAN)) {
      yield records.slice(start, i);
      start = i;
      bytes = 0;
      minTs = maxTs = r.timestamp;
    } else {
      minTs = lo;
      maxTs = hi;
    }
    bytes += size;
  }
  if (start < records.length) yield start === 0 ? records : records.slice(start);
}

function toMessages(records: readonly OutgoingRecord[]) {
  return records.map((r) => {
    const headerEntries = Object.entries(r.headers);
    return {
      topic: r.topic,
      partition: r.partition,
      key: r.key ?? undefined,
      // null stays null: a tombstone, not the bytes "null".
      value: r.value as Buffer,
      timestamp: BigInt(r.timestamp),
      ...(headerEntries.length === 0 ? {} : { headers: new Map(headerEntries.map(([k, v]) => [Buffer.from(k), Buffer.from(v)])) }),
    };
  });
}

class KafkaOutputProducer implements OutputProducer {
  readonly #producer: Producer;
  constructor(producer: Producer) {
    this.#producer = producer;
    producer.on('error', () => {});
  }

  async send(records: readonly OutgoingRecord[]): Promise<void> {
    for (const chunk of bySize(records)) await this.#producer.send({ messages: toMessages(chunk) });
  }

  async close(): Promise<void> {
    await this.#producer.close();
  }
}

class KafkaTransactionalProducer implements TransactionalProducer {
  readonly #transactionalId: string;
  readonly #create: () => Producer;
  #producer: Producer;
  #transaction: Transaction | null = null;

  constructor(transactionalId: string, create: () => Producer) {
    this.#transactionalId = transactionalId;
    this.#create = create;
    this.#producer = create();
    this.#producer.on('error', () => {});
  }

  get inTransaction(): boolean {
    return this.#transaction !== null;
  }

  async begin(): Promise<void> {
    if (this.#transaction !== null) throw new StreamsError('STREAMS_ILLEGAL_STATE', 'a transaction is already open');
    try {
      this.#transaction = await this.#producer.beginTransaction();
    } catch (error) {
      await this.#recreateIfFenced(error);
      throw error;
    }
  }

  async send(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    const tx = this.#open();
    try {
      for (const chunk of bySize(records)) await tx.send({ messages: toMessages(chunk) });
    } catch (error) {
      await this.#recreateIfFenced(error);
      throw error;
    }
  }

  async commit(offsets: readonly PartitionOffset[], generation: GroupGeneration): Promise<void> {
    const tx = this.#open();
    try {
      if (offsets.length > 0) {
        await tx.addConsumer({ groupId: generation.groupId } as unknown as Consumer);
        await this.#commitOffsets(offsets, generation);
      }
      await tx.commit();
      this.#transaction = null;
    } catch (error) {
      await this.#recreateIfFenced(error);
      if (hasAny(error, MIGRATED)) {
        throw new TaskMigratedError(`transactional offset commit refused for generation ${generation.generationId}`, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Every partition's offset in one TxnOffsetCommit request, sent by hand: the client's addOffset sends one
   * request per partition (a round trip each, on the commit's critical path) and drops concurrent ones.
   */
  async #commitOffsets(offsets: readonly PartitionOffset[], generation: GroupGeneration): Promise<void> {
    const producer = this.#producer;
    const topics = new Map<string, { name: string; partitions: Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: null }> }>();
    for (const o of offsets) {
      let t = topics.get(o.topic);
      if (t === undefined) topics.set(o.topic, (t = { name: o.topic, partitions: [] }));
      t.partitions.push({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, committedMetadata: null });
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const metadata = await producer.metadata({ topics: [] });
        const broker = metadata.brokers.get(generation.coordinatorId);
        if (broker === undefined) throw new StreamsError('STREAMS_KAFKA_COORDINATOR', `group coordinator ${generation.coordinatorId} is not in the metadata`);
        const connection = await new Promise<any>((resolve, reject) => producer[kGetConnection](broker, (e: Error | null, c?: unknown) => (e ? reject(e) : resolve(c))));
        const api = await new Promise<any>((resolve, reject) => producer[kGetApi]('TxnOffsetCommit', (e: Error | null, a?: unknown) => (e ? reject(e) : resolve(a))));
        await api.async(connection, this.#transactionalId, generation.groupId, producer.producerId, producer.producerEpoch, generation.generationId, generation.memberId, null, [...topics.values()]);
        return;
      } catch (error) {
        // Fencing and a stale generation are for the caller; anything else (coordinator loading or moving,
        // the previous transaction still completing) is retried briefly.
        if (hasAny(error, MIGRATED) || isFencedError(error) || attempt >= 10) throw error;
        producer.clearMetadata();
        await new Promise((r) => setTimeout(r, Math.min(20 * 2 ** attempt, 500)));
      }
    }
  }

  async abort(): Promise<void> {
    const tx = this.#transaction;
    this.#transaction = null;
    if (tx === null) return;
    try {
      await tx.abort();
    } catch (error) {
      // A fenced or broken producer cannot abort; a fresh one's InitProducerId aborts for it.
      await this.#recreate();
      if (!isFencedError(error)) throw error;
    }
  }

  async close(): Promise<void> {
    await this.#producer.close(true).catch(() => {});
  }

  #open(): Transaction {
    if (this.#transaction === null) throw new StreamsError('STREAMS_ILLEGAL_STATE', 'no open transaction');
    return this.#transaction;
  }

  async #recreateIfFenced(error: unknown): Promise<void> {
    if (isFencedError(error)) await this.#recreate();
  }

  async #recreate(): Promise<void> {
    this.#transaction = null;
    await this.#producer.close(true).catch(() => {});
    this.#producer = this.#create();
    this.#producer.on('error', () => {});
  }
}
