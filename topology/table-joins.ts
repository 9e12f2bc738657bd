// The DSL side of table-table joins: KTable#join/#leftJoin/#outerJoin on the primary key and on a foreign key.
// Each function only names nodes and wires them; the processors live in operators/.

import type { ValueJoiner } from '../operators/value-joiner.ts';
import { joinTableMaterializer } from '../operators/join-table-materializer.ts';
import { passThroughProcessor } from '../operators/pass-through.ts';
import { tableTableJoinProcessor } from '../operators/table-table-join.ts';
import { KTable } from './ktable.ts';
import { materializeTable } from './materialize.ts';
import type { Materialized, Named } from './options.ts';
import type { StreamsBuilder } from './streams-builder.ts';

export type TableJoinKind = 'inner' | 'left' | 'outer';

/** A table as a join sees it: the node that emits its changes after its store holds them, and that store. */
export interface JoinableTable {
  readonly nodeName: string;
  readonly storeName: string;
}

const materializedForJoins = new WeakMap<StreamsBuilder, Map<string, JoinableTable>>();

/**
 * The table's own store when it has one. A table without one (a filter or mapValues result) gets a store kept by
 * a materializing node after it, made once and shared by every join that needs it; it is change-logged so a
 * restored task looks up the same rows as before.
 */
export function joinableTable<K, V>(table: KTable<K, V>): JoinableTable {
  if (table.storeName !== null) return { nodeName: table.nodeName, storeName: table.storeName };
  const builder = table.builder;
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
