// Windowed keys (a record key plus the window it was aggregated in) and their serdes, in Kafka's byte layouts:
// a time window key is the inner key then the 8-byte start; a session key is the inner key, the end, then the start.

import { DeserializationError } from '../../common/errors.ts';
import type { Serde } from '../../common/serdes.ts';

/** A time interval; time windows exclude `end`, sliding and session windows include it. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

export interface Windowed<K> {
  readonly key: K;
  readonly window: Window;
}

export function windowed<K>(key: K, start: number, end: number): Windowed<K> {
  return { key, window: { start, end } };
}

const TWO_32 = 0x1_0000_0000;

/** Java's long layout (8 bytes, big-endian, two's complement) for integral numbers within ±2^53. */
export function writeLong(target: Buffer, value: number, offset: number): void {
  const high = Math.floor(value / TWO_32);
  target.writeInt32BE(high, offset);
  target.writeUInt32BE(value - high * TWO_32, offset + 4);
}

export function readLong(source: Buffer, offset: number): number {
  return source.readInt32BE(offset) * TWO_32 + source.readUInt32BE(offset + 4);
}

function innerBytes<K>(inner: Serde<K>, key: K, topic: string | undefined): Buffer {
  const bytes = inner.serialize(key, topic);
  if (bytes === null) throw new DeserializationError('a windowed key needs a non-null inner key');
  return bytes;
}

/** A windowed serde keeps the serde of its inner key, so stores and suppression can reuse it. */
export interface WindowedSerde<K> extends Serde<Windowed<K>> {
  readonly inner: Serde<K>;
  readonly kind: 'time' | 'session';
}

/** Key then start; the end is start + windowSizeMs, since the bytes do not carry it (Kafka's TimeWindowedSerde). */
function timeWindowedSerde<K>(inner: Serde<K>, windowSizeMs: number): WindowedSerde<K> {
  return {
    inner,
    kind: 'time',
    serialize(value, topic) {
      if (value === null) return null;
      const key = innerBytes(inner, value.key, topic);
      const out = Buffer.allocUnsafe(key.length + 8);
      key.copy(out, 0);
      writeLong(out, value.window.start, key.length);
      return out;
    },
    deserialize(data, topic) {
      if (data === null) return null;
      if (data.length < 8) throw new DeserializationError(`time-windowed key needs at least 8 bytes, got ${data.length}`);
      const start = readLong(data, data.length - 8);
      return windowed(inner.deserialize(data.subarray(0, data.length - 8), topic) as K, start, start + windowSizeMs);
    },
  };
}

/** Key, end, start (Kafka's SessionKeySchema). */
function sessionWindowedSerde<K>(inner: Serde<K>): WindowedSerde<K> {
  return {
    inner,
    kind: 'session',
    serialize(value, topic) {
      if (value === null) return null;
      const key = innerBytes(inner, value.key, topic);
      const out = Buffer.allocUnsafe(key.length + 16);
      key.copy(out, 0);
      writeLong(out, value.window.end, key.length);
      writeLong(out, value.window.start, key.length + 8);
      return out;
    },
    deserialize(data, topic) {
      if (data === null) return null;
      if (data.length < 16) throw new DeserializationError(`session-windowed key needs at least 16 bytes, got ${data.length}`);
      const at = data.length - 16;
      return windowed(inner.deserialize(data.subarray(0, at), topic) as K, readLong(data, at + 8), readLong(data, at));
    },
  };
}

export const WindowedSerdes = {
  timeWindowedSerdeFrom: <K>(inner: Serde<K>, windowSizeMs: number): WindowedSerde<K> => timeWindowedSerde(inner, windowSizeMs),
  sessionWindowedSerdeFrom: <K>(inner: Serde<K>): WindowedSerde<K> => sessionWindowedSerde(inner),
} as const;

export function isWindowedSerde(serde: unknown): serde is WindowedSerde<unknown> {
  return typeof serde === 'object' && serde !== null && 'inner' in serde && 'kind' in serde;
}
