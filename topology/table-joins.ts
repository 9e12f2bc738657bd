// The DSL side of table-table joins: KTable#join/#leftJoin/#outerJoin on the primary key and on a foreign key.
// Each function only names nodes and wires them; the processors live in operators/.

import { TopologyError } from '../common/errors.ts';
import { Serdes, type Serde } from '../common/serdes.ts';
import { foreignTableJoinProcessor } from '../operators/foreign-key/foreign-table-join.ts';
import { responseResolverProcessor } from '../operators/foreign-key/response-resolver.ts';
import { subscriptionReceiveProcessor } from '../operators/foreign-key/subscription-receive.ts';
import { subscriptionSendProcessor } from '../operators/foreign-key/subscription-send.ts';
import { rawResponseSerde, responseSerde, subscriptionSerde } from '../operators/foreign-key/subscription-wrappers.ts';
import { joinTableMaterializer } from '../operators/join-table-materializer.ts';
import { passThroughProcessor } from '../operators/pass-through.ts';
import { tableSourceProcessor } from '../operators/table-source.ts';
import { tableTableJoinProcessor } from '../operators/table-table-join.ts';
import type { ValueJoiner } from '../operators/value-joiner.ts';
import { orderedWrites } from '../state/join-buffer/ordered-write-buffer.ts';
import { inMemoryKeyValueStoreSupplier } from '../state/memory/in-memory-key-value-store.ts';
import { rocksDbKeyValueStoreSupplier } from '../state/rocksdb/rocksdb-key-value-store.ts';
import { KeyValueStoreBuilder } from '../state/stores.ts';
import { VersionedKeyValueStoreBuilder } from '../state/versioned/versioned-store-builder.ts';
import type { TableJoined } from './joined.ts';
import { KTable } from './ktable.ts';
import { materializeTable } from './materialize.ts';
import type { Materialized, Named } from './options.ts';
import type { StreamsBuilder } from './streams-builder.ts';

export type TableJoinKind = 'inner' | 'left' | 'outer';

const isOnly = (value: unknown, keys: readonly string[]): boolean =>
  typeof value === 'object' && value !== null && Object.keys(value).every((k) => keys.includes(k));

/** KTable#join/#leftJoin/#outerJoin: a foreign-key join when a key extractor precedes the joiner. */
export function tableJoin<K, V>(table: KTable<K, V>, kind: TableJoinKind, other: KTable<any, any>, args: readonly any[]): KTable<K, any> {
  if (!(other instanceof KTable)) throw new TopologyError('a table joins another KTable (use KStream#join for streams)');
  if (typeof args[1] === 'function') {
    if (kind === 'outer') throw new TopologyError('foreign-key joins are inner or left joins');
    // Either (extractor, joiner, tableJoined?, materialized?) or (extractor, joiner, materialized).
    const [extractor, joiner, third, fourth] = args;
    const tableJoined = third === undefined || isOnly(third, ['name', 'otherPartitioner']) ? third : undefined;
    const materialized = tableJoined === third ? fourth : third;
    return foreignKeyJoin(table, other, extractor, joiner, kind === 'left', tableJoined, materialized);
  }
  // Either (joiner, named?, materialized?) or (joiner, materialized).
  const [joiner, second, third] = args;
  const named = second === undefined || isOnly(second, ['name']) ? second : undefined;
  const materialized = named === second ? third : second;
  return tableTableJoin(table, other, joiner, kind, named, materialized);
}

/** A table as a join sees it: the node that emits its changes after its store holds them, and that store. */
export interface JoinableTable {
  readonly nodeName: string;
  readonly storeName: string;
}

const materializedForJoins = new WeakMap<StreamsBuilder, Map<string, JoinableTable>>();

/**
 * The table's own store when it is a table store (timestamped or versioned key-value). A table without one (a
 * filter or mapValues result, or one kept in another kind of store) gets a store kept by a materializing node
 * after it, made once and shared by every join that needs it; it is change-logged so a restored task looks up
 * the same rows as before.
 */
export function joinableTable<K, V>(table: KTable<K, V>): JoinableTable {
  const builder = table.builder;
  if (table.storeName !== null) {
    const store = builder.topology.stateStore(table.storeName);
    if ((store instanceof KeyValueStoreBuilder && store.timestamped) || store instanceof VersionedKeyValueStoreBuilder) {
      return { nodeName: table.nodeName, storeName: table.storeName };
    }
  }
  let known = materializedForJoins.get(builder);
  if (known === undefined) materializedForJoins.set(builder, (known = new Map()));
  const existing = known.get(table.nodeName);
  if (existing !== undefined) return existing;
  const store = materializeTable<K, V>(builder, { cachingEnabled: false }, `${table.nodeName}-`, table.keySerde, table.valueSerde);
  const nodeName = builder.newProcessorName('KTABLE-JOIN-MATERIALIZE-');
  builder.topology.addProcessor(nodeName, joinTableMaterializer<K, V>(store.name), table.nodeName);
  builder.topology.addStateStore(store, nodeName);
  const joinable = { nodeName, storeName: store.name };
  known.set(table.nodeName, joinable);
  return joinable;
}

const SIDE_PREFIXES = {
  inner: ['KTABLE-JOINTHIS-', 'KTABLE-JOINOTHER-'],
  left: ['KTABLE-LEFTTHIS-', 'KTABLE-LEFTOTHER-'],
  outer: ['KTABLE-OUTERTHIS-', 'KTABLE-OUTEROTHER-'],
} as const;

/** Joins two tables on their keys: one processor per side, merged into one result table. */
export function tableTableJoin<K, V, VO, VR>(
  left: KTable<K, V>,
  right: KTable<K, VO>,
  joiner: ValueJoiner<any, any, VR>,
  kind: TableJoinKind,
  named?: Named,
  materialized?: Materialized<K, VR>,
): KTable<K, VR> {
  const builder = left.builder;
  const topology = builder.topology;
  const leftSide = joinableTable(left);
  const rightSide = joinableTable(right);
  const [thisPrefix, otherPrefix] = SIDE_PREFIXES[kind];
  const thisName = named?.name === undefined ? builder.newProcessorName(thisPrefix) : `${named.name}-join-this`;
  const otherName = named?.name === undefined ? builder.newProcessorName(otherPrefix) : `${named.name}-join-other`;
  const mergeName = named?.name ?? builder.newProcessorName('KTABLE-MERGE-');

  topology.addProcessor(
    thisName,
    tableTableJoinProcessor<K, V, VO, VR>({
      otherStoreName: rightSide.storeName,
      joiner: (value, other, key) => joiner(value, other, key),
      thisOuter: kind !== 'inner',
      otherOuter: kind === 'outer',
    }),
    leftSide.nodeName,
  );
  topology.connectProcessorAndStateStores([thisName, rightSide.storeName]);
  topology.addProcessor(
    otherName,
    tableTableJoinProcessor<K, VO, V, VR>({
      otherStoreName: leftSide.storeName,
      joiner: (value, other, key) => joiner(other, value, key),
      thisOuter: kind === 'outer',
      otherOuter: kind !== 'inner',
    }),
    rightSide.nodeName,
  );
  topology.connectProcessorAndStateStores([otherName, leftSide.storeName]);
  topology.copartition(leftSide.nodeName, rightSide.nodeName);

  if (materialized === undefined) {
    topology.addProcessor(mergeName, passThroughProcessor(), thisName, otherName);
    return new KTable<K, VR>(builder, mergeName, null, left.keySerde, undefined);
  }
  const store = materializeTable<K, VR>(builder, materialized, 'KTABLE-MERGE-', left.keySerde, materialized.valueSerde);
  topology.addProcessor(mergeName, joinTableMaterializer<K, VR>(store.name), thisName, otherName);
  topology.addStateStore(store, mergeName);
  return new KTable<K, VR>(builder, mergeName, store.name, left.keySerde, materialized.valueSerde);
}

/** The key serde of a table's rows as its store holds them (what foreign keys must be serialized with). */
function storeKeySerde<K>(table: KTable<K, any>, storeName: string): Serde<K> | undefined {
  const store = table.builder.topology.stateStore(storeName) as { keySerde?: Serde<K> } | undefined;
  return store?.keySerde ?? table.keySerde;
}

/** The plain value serde of a table store (builders of timestamped and versioned stores keep it unwrapped). */
function storeValueSerde<V>(table: KTable<any, V>, storeName: string): Serde<V> | undefined {
  const store = table.builder.topology.stateStore(storeName) as { valueSerde?: Serde<V> } | undefined;
  return store?.valueSerde ?? table.valueSerde;
}

/**
 * Foreign-key join, Kafka's way: left rows subscribe to their foreign key through a subscription topic; the right
 * side keeps the subscriptions (a store prefixed by foreign key) and answers through a response topic, on a left
 * row's subscription and on every change of the foreign row; the left side applies an answer only while the row
 * is unchanged since it subscribed. Both topics are internal, so the halves can run on different partitions.
 */
export function foreignKeyJoin<K, V, KO, VO, VR>(
  left: KTable<K, V>,
  right: KTable<KO, VO>,
  foreignKeyExtractor: (value: V, key: K) => KO | null | undefined,
  joiner: ValueJoiner<V, VO | null, VR>,
  leftJoin: boolean,
  tableJoined: TableJoined<K, KO> = {},
  materialized: Materialized<K, VR> = {},
): KTable<K, VR> {
  const builder = left.builder;
  const topology = builder.topology;
  const base = tableJoined.name;
  const nodeName = (suffix: string, prefix: string) => (base === undefined ? builder.newProcessorName(prefix) : `${base}-${suffix}`);
  const leftSide = joinableTable(left);
  const rightSide = joinableTable(right);
  const foreignKeySerde = storeKeySerde(right, rightSide.storeName);
  const foreignValueSerde = storeValueSerde(right, rightSide.storeName);

  // Left: subscribe.
  const subscriptionTopic = base === undefined ? `${builder.newProcessorName('KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-')}-topic` : `${base}-subscription-registration-topic`;
  const send = nodeName('subscription-registration-processor', 'KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-');
  topology.addProcessor(
    send,
    subscriptionSendProcessor<K, V, KO>({ leftStoreName: leftSide.storeName, foreignKeyExtractor, leftJoin, foreignKeySerializer: foreignKeySerde }),
    leftSide.nodeName,
  );
  topology.connectProcessorAndStateStores([send, leftSide.storeName]);
  const otherPartitioner = tableJoined.otherPartitioner;
  topology.addInternalTopic(subscriptionTopic, 'repartition');
  topology.addSink(
    nodeName('subscription-registration-sink', 'KTABLE-SINK-'),
    subscriptionTopic,
    {
      keySerde: foreignKeySerde,
      valueSerde: subscriptionSerde,
      partitioner:
        otherPartitioner === undefined ? undefined : (topic, key, _value, n) => (key === null ? undefined : otherPartitioner(topic, key, null, n)),
    },
    send,
  );

  // Right: keep subscriptions and answer them, and answer every subscriber when a foreign row changes.
  const subscriptionStoreName = base === undefined ? builder.newStoreName('KTABLE-FK-JOIN-SUBSCRIPTION-') : `${base}-subscription-store`;
  // Written on every left change, scanned by prefix on every right change: writes wait in key order until commit.
  const subscriptionStore = new KeyValueStoreBuilder<Buffer, Buffer>(
    orderedWrites(
      builder.defaultStoreType === 'in-memory' ? inMemoryKeyValueStoreSupplier(subscriptionStoreName) : rocksDbKeyValueStoreSupplier(subscriptionStoreName),
    ),
    Serdes.Bytes(),
    Serdes.Bytes(),
  );
  const subscriptionSource = nodeName('subscription-registration-source', 'KTABLE-SOURCE-');
  // Foreign keys stay bytes on this side: they are store keys and lookup keys as they are.
  topology.addSource(subscriptionSource, { keySerde: Serdes.Bytes(), valueSerde: subscriptionSerde }, subscriptionTopic);
  const receive = nodeName('subscription-receive', 'KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-');
  topology.addProcessor(receive, subscriptionReceiveProcessor({ subscriptionStoreName, rightStoreName: rightSide.storeName }), subscriptionSource);
  topology.addStateStore(subscriptionStore, receive);
  topology.connectProcessorAndStateStores([receive, rightSide.storeName]);
  const foreignChanges = nodeName('foreign-table-processor', 'KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-');
  topology.addProcessor(foreignChanges, foreignTableJoinProcessor<KO, VO>({ subscriptionStoreName, rightStoreName: rightSide.storeName }), rightSide.nodeName);
  topology.connectProcessorAndStateStores([foreignChanges, subscriptionStoreName], [foreignChanges, rightSide.storeName]);
  topology.copartition(subscriptionSource, rightSide.nodeName);

  const responseTopic = base === undefined ? `${builder.newProcessorName('KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-')}-topic` : `${base}-subscription-response-topic`;
  topology.addInternalTopic(responseTopic, 'repartition');
  topology.addSink(
    nodeName('subscription-response-sink', 'KTABLE-SINK-'),
    responseTopic,
    {
      keySerde: Serdes.Bytes(),
      valueSerde: rawResponseSerde,
      // Answers go back to the partition of the left row that subscribed.
      partitioner: (_topic, _key, response, n) =>
        response.primaryPartition >= 0 && response.primaryPartition < n ? response.primaryPartition : undefined,
    },
    receive,
    foreignChanges,
  );

  // Left: apply fresh answers, keep the result as a table.
  const responseSource = nodeName('subscription-response-source', 'KTABLE-SOURCE-');
  topology.addSource(
    responseSource,
    { keySerde: Serdes.Bytes(), valueSerde: (defaults) => responseSerde(foreignValueSerde ?? defaults.value) },
    responseTopic,
  );
  const resolve = nodeName('subscription-response-resolver', 'KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-');
  topology.addProcessor(resolve, responseResolverProcessor<K, V, VO, VR>({ leftStoreName: leftSide.storeName, joiner, leftJoin }), responseSource);
  topology.connectProcessorAndStateStores([resolve, leftSide.storeName]);
  topology.copartition(responseSource, leftSide.nodeName);

  // The result is materialized: downstream table operations need each update's previous value.
  const resultStore = materializeTable<K, VR>(builder, materialized, 'KTABLE-FK-JOIN-OUTPUT-', left.keySerde, materialized.valueSerde);
  const result = nodeName('result', 'KTABLE-FK-JOIN-OUTPUT-');
  topology.addProcessor(result, tableSourceProcessor<K, VR>(resultStore.name, true), resolve);
  topology.addStateStore(resultStore, result);
  return new KTable<K, VR>(builder, result, resultStore.name, left.keySerde, materialized.valueSerde);
}
