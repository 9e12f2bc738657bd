// SessionWindowedKStream: a grouped stream cut into sessions of activity; count, reduce and aggregate (with a
// merger for sessions that a record bridges) give a KTable keyed by Windowed<K>.

import { type Serde, Serdes } from '../common/serdes.ts';
import { type Merger, sessionWindowAggregateProcessor } from '../operators/session-window-aggregate.ts';
import type { Aggregator, Initializer, Reducer } from '../operators/stream-aggregate.ts';
import { type Windowed, WindowedSerdes } from '../state/api/windowed.ts';
import type { KStream } from './kstream.ts';
import { KTable } from './ktable.ts';
import type { Grouped, Named } from './options.ts';
import { addWindowedAggregation, materializeSessionStore, type WindowedMaterialized } from './windowed-aggregation.ts';
import { EmitStrategy, registerWindowedAggregation, type SessionWindows } from './windows.ts';

export class SessionWindowedKStream<K, V> {
  readonly #stream: KStream<K, V>;
  readonly #grouped: Grouped<K, V>;
  readonly #repartitionRequired: boolean;
  readonly #windows: SessionWindows;
  #emitStrategy = EmitStrategy.onWindowUpdate();

  constructor(stream: KStream<K, V>, grouped: Grouped<K, V>, repartitionRequired: boolean, windows: SessionWindows) {
    this.#stream = stream;
    this.#grouped = grouped;
    this.#repartitionRequired = repartitionRequired;
    this.#windows = windows;
  }

  /** onWindowClose(): one final result per session, once stream time passes its end + gap + grace. */
  emitStrategy(strategy: EmitStrategy): this {
    this.#emitStrategy = strategy;
    return this;
  }

  count(materialized: WindowedMaterialized<K, number> = {}, named?: Named): KTable<Windowed<K>, number> {
    return this.#aggregate<number>(
      () => 0,
      (_key, _value, count) => count! + 1,
      (_key, a, b) => a! + b!,
      { valueSerde: Serdes.Long(), ...materialized },
      named,
      'KSTREAM-AGGREGATE-',
    );
  }

  reduce(reducer: Reducer<V>, materialized: WindowedMaterialized<K, V> = {}, named?: Named): KTable<Windowed<K>, V> {
    const add = (aggregate: V | null, value: V): V => (aggregate === null ? value : reducer(aggregate, value));
    return this.#aggregate<V>(
      () => null,
      (_key, value, aggregate) => add(aggregate, value),
      // Merging folds the bridged session's aggregate in as if it were one more value.
      (_key, aggregate, sessionAggregate) => add(aggregate, sessionAggregate as V),
      { valueSerde: this.#grouped.valueSerde ?? this.#stream.valueSerde, ...materialized },
      named,
      'KSTREAM-REDUCE-',
    );
  }

  aggregate<VA>(
    initializer: Initializer<VA>,
    aggregator: Aggregator<K, V, VA>,
    sessionMerger: Merger<K, VA>,
    materialized: WindowedMaterialized<K, VA> = {},
    named?: Named,
  ): KTable<Windowed<K>, VA> {
    return this.#aggregate<VA>(
      initializer,
      aggregator as Aggregator<K, V, VA | null>,
      sessionMerger as Merger<K, VA | null>,
      materialized,
      named,
      'KSTREAM-AGGREGATE-',
    );
  }

  #aggregate<VA>(
    initializer: Initializer<VA | null>,
    aggregator: Aggregator<K, V, VA | null>,
    merger: Merger<K, VA | null>,
    materialized: WindowedMaterialized<K, VA>,
    named: Named | undefined,
    prefix: string,
  ): KTable<Windowed<K>, VA> {
    const builder = this.#stream.builder;
    const { gapMs, graceMs } = this.#windows;
    const keySerde: Serde<K> | undefined = materialized.keySerde ?? this.#grouped.keySerde ?? this.#stream.keySerde;
    const store = materializeSessionStore<K, VA>(builder, materialized, prefix, keySerde, gapMs, graceMs);
    const name = named?.name ?? builder.newProcessorName(prefix);
    const supplier = sessionWindowAggregateProcessor<K, V, VA>(
      { storeName: store.name, gapMs, graceMs, initializer, aggregator, merger, emit: this.#emitStrategy.toEmit() },
      name,
    );
    registerWindowedAggregation(supplier, { closeAfterMs: graceMs + gapMs, kind: 'session', windowSizeMs: 0 });
    addWindowedAggregation(this.#stream, this.#grouped, this.#repartitionRequired, keySerde, store, name, supplier);
    return new KTable<Windowed<K>, VA>(
      builder,
      name,
      store.name,
      keySerde === undefined ? undefined : WindowedSerdes.sessionWindowedSerdeFrom(keySerde),
      materialized.valueSerde,
    );
  }
}
