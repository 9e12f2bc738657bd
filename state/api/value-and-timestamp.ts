// Table stores keep each value with the timestamp of the record that wrote it (Kafka's ValueAndTimestamp).

import type { Serde } from '../../common/serdes.ts';

export interface ValueAndTimestamp<V> {
  readonly value: V;
  readonly timestamp: number;
}

export function valueAndTimestamp<V>(value: V, timestamp: number): ValueAndTimestamp<V> {
  return { value, timestamp };
}

/** 8-byte big-endian timestamp followed by the inner value's bytes, as Kafka's timestamped stores lay them out. */
export function timestampedSerde<V>(inner: Serde<V>): Serde<ValueAndTimestamp<V>> {
  return {
    serialize(entry, topic) {
      if (entry === null) return null;
      const raw = inner.serialize(entry.value, topic);
      if (raw === null) return null;
      const out = Buffer.allocUnsafe(8 + raw.length);
      out.writeBigInt64BE(BigInt(entry.timestamp), 0);
      raw.copy(out, 8);
      return out;
    },
    deserialize(data, topic) {
      if (data === null) return null;
      const timestamp = Number(data.readBigInt64BE(0));
      const value = inner.deserialize(data.subarray(8), topic);
      return value === null ? null : { value, timestamp };
    },
  };
}
