// KStream: a record stream. Each method only names a node and adds it to the graph; the work lives in
// the operator files (operators/). Key-changing methods mark the stream for repartitioning, which is
// inserted when a grouping or table needs co-located keys.

import type { Serde } from '../common/serdes.ts';
import type { ProcessorSupplier } from '../operators/api/processor.ts';
import { branchProcessor } from '../operators/branch.ts';
import { filterProcessor, type Predicate } from '../operators/filter.ts';
import { flatMapProcessor, flatMapValuesProcessor } from '../operators/flat-map.ts';
import { mapProcessor, mapValuesProcessor, selectKeyProcessor } from '../operators/map.ts';
import { passThroughProcessor } from '../operators/pass-through.ts';
import { peekProcessor } from '../operators/peek.ts';
import { tableSourceProcessor } from '../operators/table-source.ts';
import { KGroupedStream } from './grouped-stream.ts';
import { KTable } from './ktable.ts';
import { materializeTable } from './materialize.ts';
import type { Branched, Grouped, Materialized, Named, Produced, Repartitioned } from './options.ts';
import type { StreamsBuilder } from './streams-builder.ts';
import type { SerdeSpec, StreamPartitioner, TopicNameExtractor } from './topology.ts';
import type { GlobalKTable } from './global-ktable.ts';
import type { JoinWindows } from './join-windows.ts';
import type { Joined, StreamJoined, ValueJoiner } from './joined.ts';
import { streamJoin } from './stream-joins.ts';

export class KStream<K, V> {
  readonly builder: StreamsBuilder;
  /** The node whose output this stream is. */
  readonly nodeName: string;
  readonly keySerde: Serde<K> | undefined;
  readonly valueSerde: Serde<V> | undefined;
  readonly repartitionRequired: boolean;

  constructor(
    builder: StreamsBuilder,
    nodeName: string,
    keySerde: Serde<K> | undefined,
    valueSerde: Serde<V> | undefined,
    repartitionRequired: boolean,
  ) {
    this.builder = builder;
    this.nodeName = nodeName;
    this.keySerde = keySerde;
    this.valueSerde = valueSerde;
    this.repartitionRequired = repartitionRequired;
  }

  filter(predicate: Predicate<K, V>, named?: Named): KStream<K, V> {
    return this.#add('KSTREAM-FILTER-', named, filterProcessor(predicate, false), this.keySerde, this.valueSerde, false);
  }

  filterNot(predicate: Predicate<K, V>, named?: Named): KStream<K, V> {
    return this.#add('KSTREAM-FILTER-', named, filterProcessor(predicate, true), this.keySerde, this.valueSerde, false);
  }

  map<KR, VR>(mapper: (key: K, value: V) => { key: KR; value: VR }, named?: Named): KStream<KR, VR> {
    return this.#add('KSTREAM-MAP-', named, mapProcessor(mapper), undefined, undefined, true);
  }

  mapValues<VR>(mapper: (value: V, key: K) => VR, named?: Named): KStream<K, VR> {
    return this.#add('KSTREAM-MAPVALUES-', named, mapValuesProcessor(mapper), this.keySerde, undefined, false);
  }

  flatMap<KR, VR>(mapper: (key: K, value: V) => Iterable<{ key: KR; value: VR }>, named?: Named): KStream<KR, VR> {
    return this.#add('KSTREAM-FLATMAP-', named, flatMapProcessor(mapper), undefined, undefined, true);
  }

  flatMapValues<VR>(mapper: (value: V, key: K) => Iterable<VR>, named?: Named): KStream<K, VR> {
    return this.#add('KSTREAM-FLATMAPVALUES-', named, flatMapValuesProcessor(mapper), this.keySerde, undefined, false);
  }

  selectKey<KR>(selector: (key: K, value: V) => KR, named?: Named): KStream<KR, V> {
    return this.#add('KSTREAM-KEY-SELECT-', named, selectKeyProcessor(selector), undefined, this.valueSerde, true);
  }

  peek(action: (key: K, value: V) => void, named?: Named): KStream<K, V> {
    return this.#add('KSTREAM-PEEK-', named, peekProcessor(action, true), this.keySerde, this.valueSerde, false);
  }

  foreach(action: (key: K, value: V) => void, named?: Named): void {
    this.#add('KSTREAM-FOREACH-', named, peekProcessor(action, false), this.keySerde, this.valueSerde, false);
  }

  /** Routes each record to the first matching branch; see BranchedKStream. */
  split(named?: Named): BranchedKStream<K, V> {
    return new BranchedKStream(this, named?.name ?? this.builder.newProcessorName('KSTREAM-BRANCH-'));
  }

  merge(other: KStream<K, V>, named?: Named): KStream<K, V> {
    const name = named?.name ?? this.builder.newProcessorName('KSTREAM-MERGE-');
    this.builder.topology.addProcessor(name, passThroughProcessor(), this.nodeName, other.nodeName);
    const sameKeySerde = this.keySerde === other.keySerde ? this.keySerde : undefined;
    const sameValueSerde = this.valueSerde === other.valueSerde ? this.valueSerde : undefined;
    return new KStream(this.builder, name, sameKeySerde, sameValueSerde, this.repartitionRequired || other.repartitionRequired);
  }

  /** Writes to a topic, or to the topic the extractor names per record. */
  to(topic: string | TopicNameExtractor<K, V>, produced: Produced<K, V> = {}): void {
    const name = produced.name ?? this.builder.newProcessorName('KSTREAM-SINK-');
    this.builder.topology.addSink(
      name,
      topic,
      {
        keySerde: produced.keySerde ?? this.keySerde,
        valueSerde: produced.valueSerde ?? this.valueSerde,
        partitioner: produced.partitioner,
      },
      this.nodeName,
    );
  }

  /** Writes through an internal topic `<applicationId>-<name>-repartition` and reads it back (re-keyed, spread). */
  repartition(repartitioned: Repartitioned<K, V> = {}): KStream<K, V> {
    const base = repartitioned.name ?? this.builder.newProcessorName('KSTREAM-REPARTITION-');
    const keySerde = repartitioned.keySerde ?? this.keySerde;
    const valueSerde = repartitioned.valueSerde ?? this.valueSerde;
    const sourceName = repartitionThrough(this.builder, this.nodeName, base, {
      keySerde,
      valueSerde,
      numPartitions: repartitioned.numberOfPartitions,
      partitioner: repartitioned.partitioner,
      named: repartitioned.name !== undefined,
      filterNullKeys: false,
    });
    return new KStream(this.builder, sourceName, keySerde, valueSerde, false);
  }

  toTable(named?: Named, materialized: Materialized<K, V> = {}): KTable<K, V> {
    const store = materializeTable(this.builder, materialized, 'KSTREAM-TOTABLE-', this.keySerde, this.valueSerde);
    const name = named?.name ?? this.builder.newProcessorName('KSTREAM-TOTABLE-');
    let parent = this.nodeName;
    if (this.repartitionRequired) {
      parent = repartitionThrough(this.builder, this.nodeName, name, {
        keySerde: materialized.keySerde ?? this.keySerde,
        valueSerde: materialized.valueSerde ?? this.valueSerde,
        named: named?.name !== undefined,
        filterNullKeys: true,
      });
    }
    this.builder.topology.addProcessor(name, tableSourceProcessor(store.name, true), parent);
    this.builder.topology.addStateStore(store, name);
    return new KTable(this.builder, name, store.name, store.keySerde as Serde<K>, materialized.valueSerde ?? this.valueSerde);
  }

  /** Runs a Processor API processor; `stateStoreNames` connects stores added with builder.addStateStore. */
  process<KOut, VOut>(
    supplier: ProcessorSupplier<K, V, KOut, VOut>,
    ...namedOrStores: Array<Named | string>
  ): KStream<KOut, VOut> {
    const named = namedOrStores.find((n): n is Named => typeof n !== 'string');
    const stores = namedOrStores.filter((n): n is string => typeof n === 'string');
    const name = named?.name ?? this.builder.newProcessorName('KSTREAM-PROCESSOR-');
    this.builder.topology.addProcessor(name, supplier, this.nodeName);
    this.builder.topology.connectProcessorAndStateStores(...stores.map((s) => [name, s] as const));
    return new KStream<KOut, VOut>(this.builder, name, undefined, undefined, true);
  }

  /**
   * Inner join with a table (each record looks up its key), a global table (each record's key mapper picks the
   * table key) or another stream (records of both sides within the join windows). See topology/stream-joins.ts.
   */
  join<VO, VR>(table: KTable<K, VO>, joiner: ValueJoiner<V, VO, VR>, joined?: Joined<K, V, VO>): KStream<K, VR>;
  join<KG, VG, VR>(table: GlobalKTable<KG, VG>, keyMapper: (key: K, value: V) => KG | null, joiner: ValueJoiner<V, VG, VR>, named?: Named): KStream<K, VR>;
  join<VO, VR>(other: KStream<K, VO>, joiner: ValueJoiner<V, VO, VR>, windows: JoinWindows, streamJoined?: StreamJoined<K, V, VO>): KStream<K, VR>;
  join(other: KTable<K, any> | GlobalKTable<any, any> | KStream<K, any>, ...args: any[]): KStream<K, any> {
    return streamJoin(this, 'inner', other, args);
  }

  /** As join, but every record of this stream is emitted, with null for the other side when nothing matches. */
  leftJoin<VO, VR>(table: KTable<K, VO>, joiner: ValueJoiner<V, VO | null, VR>, joined?: Joined<K, V, VO>): KStream<K, VR>;
  leftJoin<KG, VG, VR>(table: GlobalKTable<KG, VG>, keyMapper: (key: K, value: V) => KG | null, joiner: ValueJoiner<V, VG | null, VR>, named?: Named): KStream<K, VR>;
  leftJoin<VO, VR>(other: KStream<K, VO>, joiner: ValueJoiner<V, VO | null, VR>, windows: JoinWindows, streamJoined?: StreamJoined<K, V, VO>): KStream<K, VR>;
  leftJoin(other: KTable<K, any> | GlobalKTable<any, any> | KStream<K, any>, ...args: any[]): KStream<K, any> {
    return streamJoin(this, 'left', other, args);
  }

  /** Windowed join where records of either stream without a partner are emitted once their window closes. */
  outerJoin<VO, VR>(other: KStream<K, VO>, joiner: ValueJoiner<V | null, VO | null, VR>, windows: JoinWindows, streamJoined?: StreamJoined<K, V, VO>): KStream<K, VR> {
    return streamJoin(this, 'outer', other, [joiner, windows, streamJoined]);
  }

  groupByKey(grouped: Grouped<K, V> = {}): KGroupedStream<K, V> {
    return new KGroupedStream(this, grouped, this.repartitionRequired);
  }

  groupBy<KR>(selector: (key: K, value: V) => KR, grouped: Grouped<KR, V> = {}): KGroupedStream<KR, V> {
    const rekeyed = this.selectKey(selector);
    return new KGroupedStream(rekeyed, grouped, true);
  }

  #add<KR, VR>(
    prefix: string,
    named: Named | undefined,
    supplier: ProcessorSupplier<any, any, any, any>,
    keySerde: Serde<KR> | undefined,
    valueSerde: Serde<VR> | undefined,
    keyChanging: boolean,
  ): KStream<KR, VR> {
    const name = named?.name ?? this.builder.newProcessorName(prefix);
    this.builder.topology.addProcessor(name, supplier, this.nodeName);
    return new KStream<KR, VR>(this.builder, name, keySerde, valueSerde, this.repartitionRequired || keyChanging);
  }
}

/** split(): add branches in order, then defaultBranch() or noDefaultBranch() to get the branches by name. */
export class BranchedKStream<K, V> {
  readonly #source: KStream<K, V>;
  readonly #name: string;
  readonly #predicates: Predicate<K, V>[] = [];
  readonly #branches: Array<{ childName: string; branched: Branched<K, V> }> = [];

  constructor(source: KStream<K, V>, name: string) {
    this.#source = source;
    this.#name = name;
  }

  branch(predicate: Predicate<K, V>, branched: Branched<K, V> = {}): this {
    this.#predicates.push(predicate);
    this.#branches.push({ childName: `${this.#name}${branched.name ?? String(this.#branches.length + 1)}`, branched });
    return this;
  }

  defaultBranch(branched: Branched<K, V> = {}): Record<string, KStream<K, V>> {
    return this.#finish({ childName: `${this.#name}${branched.name ?? '0'}`, branched });
  }

  noDefaultBranch(): Record<string, KStream<K, V>> {
    return this.#finish(null);
  }

  #finish(defaultBranch: { childName: string; branched: Branched<K, V> } | null): Record<string, KStream<K, V>> {
    const builder = this.#source.builder;
    const all = defaultBranch === null ? this.#branches : [...this.#branches, defaultBranch];
    builder.topology.addProcessor(
      this.#name,
      branchProcessor(
        this.#predicates,
        this.#branches.map((b) => b.childName),
        defaultBranch?.childName ?? null,
      ),
      this.#source.nodeName,
    );
    const result: Record<string, KStream<K, V>> = {};
    for (const { childName, branched } of all) {
      builder.topology.addProcessor(childName, passThroughProcessor(), this.#name);
      const stream = new KStream<K, V>(builder, childName, this.#source.keySerde, this.#source.valueSerde, this.#source.repartitionRequired);
      if (branched.chain === undefined) result[childName] = stream;
      else {
        const chained = branched.chain(stream);
        if (chained !== undefined) result[childName] = chained as KStream<K, V>;
      }
    }
    return result;
  }
}

/**
 * Adds (filter →) sink → topic `<base>-repartition` → source, returning the source's name. Named
 * repartitions get `<base>-repartition-{filter,sink,source}` nodes, generated ones KSTREAM-* names.
 */
export function repartitionThrough(
  builder: StreamsBuilder,
  parent: string,
  base: string,
  options: {
    keySerde: SerdeSpec;
    valueSerde: SerdeSpec;
    numPartitions?: number;
    partitioner?: StreamPartitioner;
    named: boolean;
    filterNullKeys: boolean;
    sinkPrefix?: string;
    sourcePrefix?: string;
  },
): string {
  const topic = `${base}-repartition`;
  const nodeName = (suffix: string, prefix: string) => (options.named ? `${topic}-${suffix}` : builder.newProcessorName(prefix));
  let upstream = parent;
  if (options.filterNullKeys) {
    const filterName = nodeName('filter', 'KSTREAM-FILTER-');
    builder.topology.addProcessor(filterName, filterProcessor((key) => key !== null && key !== undefined, false), parent);
    upstream = filterName;
  }
  const sinkName = nodeName('sink', options.sinkPrefix ?? 'KSTREAM-SINK-');
  const sourceName = nodeName('source', options.sourcePrefix ?? 'KSTREAM-SOURCE-');
  builder.topology.addInternalTopic(topic, 'repartition', options.numPartitions);
  builder.topology.addSink(sinkName, topic, { keySerde: options.keySerde, valueSerde: options.valueSerde, partitioner: options.partitioner }, upstream);
  builder.topology.addSource(sourceName, { keySerde: options.keySerde, valueSerde: options.valueSerde }, topic);
  return sourceName;
}
