// KGroupedTable: aggregates of a re-keyed table. Each change arrives with the old row to subtract and the
// new row to add, applied together, so the aggregate never shows a state between the two.

import { Serdes } from '../common/serdes.ts';
import { tableAggregateProcessor } from '../operators/table-aggregate.ts';
import type { Initializer } from '../operators/stream-aggregate.ts';
import { repartitionThrough } from './kstream.ts';
import { KTable } from './ktable.ts';
import { materializeTable } from './materialize.ts';
import type { Grouped, Materialized, Named } from './options.ts';
import type { StreamsBuilder } from './streams-builder.ts';
import type { SerdeSpec } from './topology.ts';

export class KGroupedTable<K, V> {
  readonly #builder: StreamsBuilder;
  readonly #selectNode: string;
  readonly #grouped: Grouped<K, V>;
  readonly #changeSerde: SerdeSpec;

  constructor(builder: StreamsBuilder, selectNode: string, grouped: Grouped<K, V>, changeSerde: SerdeSpec) {
    this.#builder = builder;
    this.#selectNode = selectNode;
    this.#grouped = grouped;
    this.#changeSerde = changeSerde;
  }

  count(materialized: Materialized<K, number> = {}, named?: Named): KTable<K, number> {
    return this.#aggregate<number>(
      () => 0,
      (_k, _v, count) => count + 1,
      (_k, _v, count) => count - 1,
      { valueSerde: Serdes.Long(), ...materialized },
      named,
      'KTABLE-AGGREGATE-',
    );
  }

  reduce(
    adder: (aggregate: V, value: V) => V,
    subtractor: (aggregate: V, value: V) => V,
    materialized: Materialized<K, V> = {},
    named?: Named,
  ): KTable<K, V> {
    return this.#aggregate<V>(
      undefined,
      (_k, v, agg) => adder(agg, v),
      (_k, v, agg) => subtractor(agg, v),
      { valueSerde: this.#grouped.valueSerde, ...materialized },
      named,
      'KTABLE-REDUCE-',
    );
  }

  aggregate<VA>(
    initializer: Initializer<VA>,
    adder: (key: K, value: V, aggregate: VA) => VA,
    subtractor: (key: K, value: V, aggregate: VA) => VA,
    materialized: Materialized<K, VA> = {},
    named?: Named,
  ): KTable<K, VA> {
    return this.#aggregate(initializer, adder, subtractor, materialized, named, 'KTABLE-AGGREGATE-');
  }

  #aggregate<VA>(
    initializer: Initializer<VA> | undefined,
    adder: (key: K, value: V, aggregate: VA) => VA,
    subtractor: (key: K, value: V, aggregate: VA) => VA,
    materialized: Materialized<K, VA>,
    named: Named | undefined,
    prefix: string,
  ): KTable<K, VA> {
    const builder = this.#builder;
    const keySerde = materialized.keySerde ?? this.#grouped.keySerde;
    const store = materializeTable(builder, materialized, prefix, keySerde, materialized.valueSerde);
    const name = named?.name ?? builder.newProcessorName(prefix);
    const source = repartitionThrough(builder, this.#selectNode, this.#grouped.name ?? store.name, {
      keySerde,
      valueSerde: this.#changeSerde,
      named: this.#grouped.name !== undefined,
      filterNullKeys: false,
      sinkPrefix: 'KTABLE-SINK-',
      sourcePrefix: 'KTABLE-SOURCE-',
    });
    builder.topology.addProcessor(name, tableAggregateProcessor<K, V, VA>({ storeName: store.name, initializer, adder, subtractor }), source);
    builder.topology.addStateStore(store, name);
    return new KTable<K, VA>(builder, name, store.name, keySerde, materialized.valueSerde);
  }
}
