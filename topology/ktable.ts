// KTable: a changelog stream viewed as a table. Updates travel as changes (new and old value), so
// filters retract rows that stop matching and grouped aggregates can subtract what a row contributed.

import type { Serde } from '../common/serdes.ts';
import { changeSerde } from '../operators/api/change-serde.ts';
import { tableFilterProcessor, tableMapValuesProcessor, tableToStreamProcessor } from '../operators/table-stateless.ts';
import { tableRepartitionMapProcessor } from '../operators/table-aggregate.ts';
import { KGroupedTable } from './grouped-table.ts';
import { KStream } from './kstream.ts';
import type { Grouped, Materialized, Named } from './options.ts';
import type { StreamsBuilder } from './streams-builder.ts';
import type { TableJoined, ValueJoiner } from './joined.ts';
import { tableJoin } from './table-joins.ts';
import { type Suppressed, suppressTable } from './suppressed.ts';

export class KTable<K, V> {
  readonly builder: StreamsBuilder;
  readonly nodeName: string;
  /** The store holding this table, when it is materialized. */
  readonly storeName: string | null;
  readonly keySerde: Serde<K> | undefined;
  readonly valueSerde: Serde<V> | undefined;

  constructor(
    builder: StreamsBuilder,
    nodeName: string,
    storeName: string | null,
    keySerde: Serde<K> | undefined,
    valueSerde: Serde<V> | undefined,
  ) {
    this.builder = builder;
    this.nodeName = nodeName;
    this.storeName = storeName;
    this.keySerde = keySerde;
    this.valueSerde = valueSerde;
  }

  queryableStoreName(): string | null {
    return this.storeName;
  }

  filter(predicate: (key: K, value: V) => boolean, named?: Named): KTable<K, V> {
    const name = named?.name ?? this.builder.newProcessorName('KTABLE-FILTER-');
    this.builder.topology.addProcessor(name, tableFilterProcessor(predicate, false), this.nodeName);
    return new KTable(this.builder, name, null, this.keySerde, this.valueSerde);
  }

  filterNot(predicate: (key: K, value: V) => boolean, named?: Named): KTable<K, V> {
    const name = named?.name ?? this.builder.newProcessorName('KTABLE-FILTER-');
    this.builder.topology.addProcessor(name, tableFilterProcessor(predicate, true), this.nodeName);
    return new KTable(this.builder, name, null, this.keySerde, this.valueSerde);
  }

  mapValues<VR>(mapper: (value: V, key: K) => VR, named?: Named): KTable<K, VR> {
    const name = named?.name ?? this.builder.newProcessorName('KTABLE-MAPVALUES-');
    this.builder.topology.addProcessor(name, tableMapValuesProcessor(mapper), this.nodeName);
    return new KTable<K, VR>(this.builder, name, null, this.keySerde, undefined);
  }

  /** Holds updates back: the final result per window (untilWindowCloses) or one per key per time limit. */
  suppress(suppressed: Suppressed): KTable<K, V> {
    return suppressTable(this, suppressed);
  }

  /** The table's updates as a stream; a deleted row arrives as a record with a null value. */
  toStream(named?: Named): KStream<K, V> {
    const name = named?.name ?? this.builder.newProcessorName('KTABLE-TOSTREAM-');
    this.builder.topology.addProcessor(name, tableToStreamProcessor(), this.nodeName);
    return new KStream<K, V>(this.builder, name, this.keySerde, this.valueSerde, false);
  }

  /**
   * Inner join with another table, on the key, or on a foreign key the extractor takes from each row's value
   * (the other table is keyed by it). The result updates on both sides' changes. See topology/table-joins.ts.
   */
  join<KO, VO, VR>(
    other: KTable<KO, VO>,
    foreignKeyExtractor: (value: V, key: K) => KO | null | undefined,
    joiner: ValueJoiner<V, VO, VR>,
    tableJoined?: TableJoined<K, KO>,
    materialized?: Materialized<K, VR>,
  ): KTable<K, VR>;
  join<KO, VO, VR>(
    other: KTable<KO, VO>,
    foreignKeyExtractor: (value: V, key: K) => KO | null | undefined,
    joiner: ValueJoiner<V, VO, VR>,
    materialized: Materialized<K, VR>,
  ): KTable<K, VR>;
  join<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<V, VO, VR>, named?: Named, materialized?: Materialized<K, VR>): KTable<K, VR>;
  join<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<V, VO, VR>, materialized: Materialized<K, VR>): KTable<K, VR>;
  join(other: KTable<any, any>, ...args: any[]): KTable<K, any> {
    return tableJoin(this, 'inner', other, args);
  }

  /** As join, but every row of this table has a result, with null for the other side when nothing matches. */
  leftJoin<KO, VO, VR>(
    other: KTable<KO, VO>,
    foreignKeyExtractor: (value: V, key: K) => KO | null | undefined,
    joiner: ValueJoiner<V, VO | null, VR>,
    tableJoined?: TableJoined<K, KO>,
    materialized?: Materialized<K, VR>,
  ): KTable<K, VR>;
  leftJoin<KO, VO, VR>(
    other: KTable<KO, VO>,
    foreignKeyExtractor: (value: V, key: K) => KO | null | undefined,
    joiner: ValueJoiner<V, VO | null, VR>,
    materialized: Materialized<K, VR>,
  ): KTable<K, VR>;
  leftJoin<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<V, VO | null, VR>, named?: Named, materialized?: Materialized<K, VR>): KTable<K, VR>;
  leftJoin<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<V, VO | null, VR>, materialized: Materialized<K, VR>): KTable<K, VR>;
  leftJoin(other: KTable<any, any>, ...args: any[]): KTable<K, any> {
    return tableJoin(this, 'left', other, args);
  }

  /** Key join where a row of either table alone has a result, with null for the missing side. */
  outerJoin<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<V | null, VO | null, VR>, named?: Named, materialized?: Materialized<K, VR>): KTable<K, VR>;
  outerJoin<VO, VR>(other: KTable<K, VO>, joiner: ValueJoiner<V | null, VO | null, VR>, materialized: Materialized<K, VR>): KTable<K, VR>;
  outerJoin(other: KTable<K, any>, ...args: any[]): KTable<K, any> {
    return tableJoin(this, 'outer', other, args);
  }

  /** Re-keys every row (through a repartition topic) for an aggregate with adder and subtractor. */
  groupBy<KR, VR>(selector: (key: K, value: V) => { key: KR; value: VR }, grouped: Grouped<KR, VR> = {}): KGroupedTable<KR, VR> {
    const name = this.builder.newProcessorName('KTABLE-SELECT-');
    const keySerde = grouped.keySerde;
    const keySerializer = keySerde ?? { serialize: (k: KR | null) => (k === null ? null : Buffer.from(JSON.stringify(k))) };
    this.builder.topology.addProcessor(name, tableRepartitionMapProcessor(selector, keySerializer), this.nodeName);
    const valueSerde = grouped.valueSerde;
    return new KGroupedTable<KR, VR>(this.builder, name, grouped, valueSerde === undefined
      ? (defaults) => changeSerde(defaults.value)
      : changeSerde(valueSerde));
  }
}
