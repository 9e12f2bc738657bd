// Serdes turn typed keys and values into bytes and back. null is a tombstone both ways:
// serialize(null) is null (no bytes), deserialize(null) is null.

import type { ZodType } from 'zod';
import { DeserializationError } from './errors.ts';

export interface Serializer<T> {
  serialize(value: T | null, topic?: string): Buffer | null;
}
export interface Deserializer<T> {
  deserialize(data: Buffer | null, topic?: string): T | null;
}
export interface Serde<T> extends Serializer<T>, Deserializer<T> {}

const stringSerde: Serde<string> = {
  serialize: (value) => (value === null ? null : Buffer.from(value, 'utf8')),
  deserialize: (data) => (data === null ? null : data.toString('utf8')),
};

const bytesSerde: Serde<Buffer> = {
  serialize: (value) => value,
  deserialize: (data) => data,
};

/** Java's LongSerializer: 8 bytes, big-endian, two's complement. Numbers beyond 2^53 lose precision. */
const longSerde: Serde<number> = {
  serialize(value) {
    if (value === null) return null;
    const out = Buffer.allocUnsafe(8);
    const high = Math.floor(value / 0x1_0000_0000);
    out.writeInt32BE(high, 0);
    out.writeUInt32BE(value - high * 0x1_0000_0000, 4);
    return out;
  },
  deserialize(data) {
    if (data === null) return null;
    if (data.length !== 8) throw new DeserializationError(`Long serde expects 8 bytes, got ${data.length}`);
    return data.readInt32BE(0) * 0x1_0000_0000 + data.readUInt32BE(4);
  },
};

const intSerde: Serde<number> = {
  serialize(value) {
    if (value === null) return null;
    const out = Buffer.allocUnsafe(4);
    out.writeInt32BE(value, 0);
    return out;
  },
  deserialize(data) {
    if (data === null) return null;
    if (data.length !== 4) throw new DeserializationError(`Integer serde expects 4 bytes, got ${data.length}`);
    return data.readInt32BE(0);
  },
};

const doubleSerde: Serde<number> = {
  serialize(value) {
    if (value === null) return null;
    const out = Buffer.allocUnsafe(8);
    out.writeDoubleBE(value, 0);
    return out;
  },
  deserialize(data) {
    if (data === null) return null;
    if (data.length !== 8) throw new DeserializationError(`Double serde expects 8 bytes, got ${data.length}`);
    return data.readDoubleBE(0);
  },
};

function jsonSerde<T>(): Serde<T> {
  return {
    serialize: (value) => (value === null ? null : Buffer.from(JSON.stringify(value), 'utf8')),
    deserialize(data) {
      if (data === null) return null;
      try {
        return JSON.parse(data.toString('utf8')) as T;
      } catch (error) {
        throw new DeserializationError(`invalid JSON: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}

/** JSON whose decoded value must satisfy a zod schema; the error names the failing path. */
function zodJsonSerde<T>(schema: ZodType<T>): Serde<T> {
  const json = jsonSerde<unknown>();
  return {
    serialize: (value) => json.serialize(value),
    deserialize(data, topic) {
      const raw = json.deserialize(data, topic);
      if (raw === null) return null;
      const result = schema.safeParse(raw);
      if (result.success) return result.data;
      const issues = result.error.issues
        .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
        .join('; ');
      throw new DeserializationError(`schema violation: ${issues}`, { cause: result.error });
    },
  };
}

export const Serdes = {
  String: (): Serde<string> => stringSerde,
  Bytes: (): Serde<Buffer> => bytesSerde,
  Long: (): Serde<number> => longSerde,
  Integer: (): Serde<number> => intSerde,
  Double: (): Serde<number> => doubleSerde,
  Json: <T = unknown>(): Serde<T> => jsonSerde<T>(),
  ZodJson: <T>(schema: ZodType<T>): Serde<T> => zodJsonSerde(schema),
} as const;
