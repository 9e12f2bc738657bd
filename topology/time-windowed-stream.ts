// TimeWindowedKStream: a grouped stream cut into tumbling, hopping or sliding windows; count, reduce and
// aggregate give a KTable keyed by Windowed<K>. Only names the node; the work lives in the operator files.

import { type Serde, Serdes } from '../common/serdes.ts';
import { slidingWindowAggregateProcessor } from '../operators/sliding-window-aggregate.ts';
import type { Aggregator, Initializer, Reducer } from '../operators/stream-aggregate.ts';
import { timeWindowAggregateProcessor } from '../operators/window-aggregate.ts';
import { type Windowed, WindowedSerdes } from '../state/api/windowed.ts';
import type { KStream } from './kstream.ts';
import { KTable } from './ktable.ts';
import type { Grouped, Named } from './options.ts';
import { addWindowedAggregation, materializeWindowStore, type WindowedMaterialized } from './windowed-aggregation.ts';
import { EmitStrategy, registerWindowedAggregation, SlidingWindows, type TimeWindows } from './windows.ts';

export class TimeWindowedKStream<K, V> {
  readonly #stream: KStream<K, V>;
  readonly #grouped: Grouped<K, V>;
  readonly #repartitionRequired: boolean;
  readonly #windows: TimeWindows | SlidingWindows;
  #emitStrategy = EmitStrategy.onWindowUpdate();

  constructor(stream: KStream<K, V>, grouped: Grouped<K, V>, repartitionRequired: boolean, windows: TimeWindows | SlidingWindows) {
    this.#stream = stream;
    this.#grouped = grouped;
    this.#repartitionRequired = repartitionRequired;
    this.#windows = windows;
  }

  /** onWindowClose(): one final result per window instead of every update. Applies to the next aggregation. */
  emitStrategy(strategy: EmitStrategy): this {
    this.#emitStrategy = strategy;
    return this;
  }

  count(materialized: WindowedMaterialized<K, number> = {}, named?: Named): KTable<Windowed<K>, number> {
    return this.#aggregate<number>(
      () => 0,
      (_key, _value, count) => count! + 1,
      { valueSerde: Serdes.Long(), ...materialized },
      named,
      'KSTREAM-AGGREGATE-',
    );
  }

  /** The first value of a window is its aggregate; later ones are combined into it. */
  reduce(reducer: Reducer<V>, materialized: WindowedMaterialized<K, V> = {}, named?: Named): KTable<Windowed<K>, V> {
    return this.#aggregate<V>(
      () => null,
      (_key, value, aggregate) => (aggregate === null ? value : reducer(aggregate, value)),
      { valueSerde: this.#grouped.valueSerde ?? this.#stream.valueSerde, ...materialized },
      named,
      'KSTREAM-REDUCE-',
    );
  }

  aggregate<VA>(
    initializer: Initializer<VA>,
    aggregator: Aggregator<K, V, VA>,
    materialized: WindowedMaterialized<K, VA> = {},
    named?: Named,
  ): KTable<Windowed<K>, VA> {
    return this.#aggregate<VA>(initializer, aggregator as Aggregator<K, V, VA | null>, materialized, named, 'KSTREAM-AGGREGATE-');
  }

  #aggregate<VA>(
    initializer: Initializer<VA | null>,
    aggregator: Aggregator<K, V, VA | null>,
    materialized: WindowedMaterialized<K, VA>,
    named: Named | undefined,
    prefix: string,
  ): KTable<Windowed<K>, VA> {
    const builder = this.#stream.builder;
    const windows = this.#windows;
    const keySerde: Serde<K> | undefined = materialized.keySerde ?? this.#grouped.keySerde ?? this.#stream.keySerde;
    const emit = this.#emitStrategy.toEmit();
    const sliding = windows instanceof SlidingWindows;
    const sizeMs = sliding ? windows.timeDifferenceMs : windows.sizeMs;
    // Sliding windows look back twice the difference for the neighbours that seed new windows.
    const required = sliding ? 2 * windows.timeDifferenceMs + windows.graceMs : windows.sizeMs + windows.graceMs;
    const store = materializeWindowStore<K, VA>(builder, materialized, prefix, keySerde, sizeMs, required);
    const name = named?.name ?? builder.newProcessorName(prefix);
    const common = { storeName: store.name, initializer, aggregator, emit };
    const supplier = sliding
      ? slidingWindowAggregateProcessor<K, V, VA>({ ...common, timeDifferenceMs: windows.timeDifferenceMs, graceMs: windows.graceMs }, name)
      : timeWindowAggregateProcessor<K, V, VA>(
          { ...common, sizeMs: windows.sizeMs, advanceMs: windows.advanceMs, graceMs: windows.graceMs },
          name,
        );
    registerWindowedAggregation(supplier, { closeAfterMs: windows.graceMs, kind: 'time', windowSizeMs: sizeMs });
    addWindowedAggregation(this.#stream, this.#grouped, this.#repartitionRequired, keySerde, store, name, supplier);
    return new KTable<Windowed<K>, VA>(
      builder,
      name,
      store.name,
      keySerde === undefined ? undefined : WindowedSerdes.timeWindowedSerdeFrom(keySerde, sizeMs),
      materialized.valueSerde,
    );
  }
}
