// The record shapes that flow through a topology and across the consumer/producer ports.

/** Kafka headers as text: the DSL and the record files use strings; adapters convert bytes at the edge. */
export type Headers = Readonly<Record<string, string>>;

export const NO_HEADERS: Headers = Object.freeze({});

/** A record inside a topology (Kafka Streams' `Record<K, V>`). */
export interface StreamRecord<K, V> {
  readonly key: K;
  readonly value: V;
  readonly timestamp: number;
  readonly headers: Headers;
}

export interface KeyValue<K, V> {
  readonly key: K;
  readonly value: V;
}

export function keyValue<K, V>(key: K, value: V): KeyValue<K, V> {
  return { key, value };
}

/** A record as it comes off a topic partition, still in bytes. Offsets stay bigint, as the client gives them. */
export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Headers;
}

/** A record on its way to a topic, serialized. `partition` undefined lets the producer side partition by key. */
export interface ProducedRecord {
  readonly topic: string;
  readonly partition: number | undefined;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Headers;
}
