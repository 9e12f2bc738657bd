// KGroupedStream: count, reduce and aggregate per key into a KTable. When the key was changed upstream,
// the records first pass through a repartition topic named after the store (or the Grouped name).

import { type Serde, Serdes } from '../common/serdes.ts';
import { streamAggregateProcessor, type Aggregator, type Initializer, type Reducer } from '../operators/stream-aggregate.ts';
import type { KStream } from './kstream.ts';
import { repartitionThrough } from './kstream.ts';
import { KTable } from './ktable.ts';
import { materializeTable } from './materialize.ts';
import type { Grouped, Materialized, Named } from './options.ts';
import { SessionWindowedKStream } from './session-windowed-stream.ts';
import { TimeWindowedKStream } from './time-windowed-stream.ts';
import { SessionWindows, type SlidingWindows, type TimeWindows } from './windows.ts';

export class KGroupedStream<K, V> {
  readonly #stream: KStream<K, V>;
  readonly #grouped: Grouped<K, V>;
  readonly #repartitionRequired: boolean;

  constructor(stream: KStream<K, V>, grouped: Grouped<K, V>, repartitionRequired: boolean) {
    this.#stream = stream;
    this.#grouped = grouped;
    this.#repartitionRequired = repartitionRequired;
  }

  count(materialized: Materialized<K, number> = {}, named?: Named): KTable<K, number> {
    return this.#aggregate<number>(
      { initializer: () => 0, aggregator: (_k, _v, count) => count + 1, storeName: '' },
      { valueSerde: Serdes.Long(), ...materialized },
      named,
    );
  }

  reduce(reducer: Reducer<V>, materialized: Materialized<K, V> = {}, named?: Named): KTable<K, V> {
    return this.#aggregate<V>(
      { reducer, storeName: '' },
      { valueSerde: this.#grouped.valueSerde ?? this.#stream.valueSerde, ...materialized },
      named,
      'KSTREAM-REDUCE-',
    );
  }

  /** Aggregates per key and window: tumbling, hopping or sliding windows, or sessions. */
  windowedBy(windows: TimeWindows | SlidingWindows): TimeWindowedKStream<K, V>;
  windowedBy(windows: SessionWindows): SessionWindowedKStream<K, V>;
  windowedBy(windows: TimeWindows | SlidingWindows | SessionWindows): TimeWindowedKStream<K, V> | SessionWindowedKStream<K, V> {
    if (windows instanceof SessionWindows) return new SessionWindowedKStream(this.#stream, this.#grouped, this.#repartitionRequired, windows);
    return new TimeWindowedKStream(this.#stream, this.#grouped, this.#repartitionRequired, windows);
  }

  aggregate<VA>(
    initializer: Initializer<VA>,
    aggregator: Aggregator<K, V, VA>,
    materialized: Materialized<K, VA> = {},
    named?: Named,
  ): KTable<K, VA> {
    return this.#aggregate<VA>({ initializer, aggregator, storeName: '' }, materialized, named);
  }

  #aggregate<VA>(
    spec: { initializer?: Initializer<VA>; aggregator?: Aggregator<K, V, VA>; reducer?: Reducer<V>; storeName: string },
    materialized: Materialized<K, VA>,
    named: Named | undefined,
    prefix = 'KSTREAM-AGGREGATE-',
  ): KTable<K, VA> {
    const builder = this.#stream.builder;
    const keySerde: Serde<K> | undefined = materialized.keySerde ?? this.#grouped.keySerde ?? this.#stream.keySerde;
    const store = materializeTable(builder, materialized, prefix, keySerde, materialized.valueSerde);
    const name = named?.name ?? builder.newProcessorName(prefix);
    let parent = this.#stream.nodeName;
    if (this.#repartitionRequired) {
      parent = repartitionThrough(builder, parent, this.#grouped.name ?? store.name, {
        keySerde,
        valueSerde: this.#grouped.valueSerde ?? this.#stream.valueSerde,
        named: this.#grouped.name !== undefined,
        filterNullKeys: true,
      });
    }
    builder.topology.addProcessor(name, streamAggregateProcessor<K, V, VA>({ ...spec, storeName: store.name }), parent);
    builder.topology.addStateStore(store, name);
    return new KTable<K, VA>(builder, name, store.name, keySerde, materialized.valueSerde);
  }
}
