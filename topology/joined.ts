// Option objects of the joins, with Kafka Streams' names: Joined (stream-table), StreamJoined (stream-stream),
// TableJoined (foreign-key table-table). Plain values; the DSL reads them when it adds the join's nodes.

import type { Serde } from '../common/serdes.ts';
import type { StoreType } from './options.ts';
import type { StreamPartitioner } from './topology.ts';

export type { ValueJoiner } from '../operators/value-joiner.ts';

export interface Joined<K, V, VO> {
  /** Serdes of the stream side, used when the stream has to be repartitioned first. */
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
  readonly otherValueSerde?: Serde<VO>;
  /** Names the join processor and the repartition topic `<name>-repartition`. */
  readonly name?: string;
}
export const Joined = {
  with: <K, V, VO>(keySerde: Serde<K>, valueSerde: Serde<V>, otherValueSerde?: Serde<VO>): Joined<K, V, VO> => ({
    keySerde,
    valueSerde,
    otherValueSerde,
  }),
  as: <K, V, VO>(name: string): Joined<K, V, VO> => ({ name }),
};

export interface StreamJoined<K, V, VO> {
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
  readonly otherValueSerde?: Serde<VO>;
  /** Names the join's processors and repartition topics (`<name>-left-repartition`, `<name>-right-repartition`). */
  readonly name?: string;
  /** Base name of the join buffers: `<storeName>-this-join-store`, `-other-join-store`, `-outer-shared-join-store`. */
  readonly storeName?: string;
  /** Engine of the join buffers; the builder's default store type when absent. */
  readonly storeType?: StoreType;
  /** Default true: the buffers are restored from their changelogs. */
  readonly loggingEnabled?: boolean;
  readonly logConfig?: Readonly<Record<string, string>>;
}
export const StreamJoined = {
  with: <K, V, VO>(keySerde: Serde<K>, valueSerde: Serde<V>, otherValueSerde: Serde<VO>): StreamJoined<K, V, VO> => ({
    keySerde,
    valueSerde,
    otherValueSerde,
  }),
  as: <K, V, VO>(storeName: string): StreamJoined<K, V, VO> => ({ storeName }),
};

/** K is the left table's key; answers always go back to the partition of the left row that subscribed. */
export interface TableJoined<K, KO> {
  /** Names the join's processors, internal topics and subscription store. */
  readonly name?: string;
  /** Partitioner of the other (right) table's topic when it is not the default: subscriptions must follow it. */
  readonly otherPartitioner?: StreamPartitioner<KO, unknown>;
  /** Kafka's TableJoined also takes the left table's partitioner; ours is implied (see above), kept for the type. */
  readonly partitioner?: StreamPartitioner<K, unknown>;
}
export const TableJoined = {
  as: <K, KO>(name: string): TableJoined<K, KO> => ({ name }),
  with: <K, KO>(otherPartitioner: StreamPartitioner<KO, unknown>): TableJoined<K, KO> => ({ otherPartitioner }),
};
