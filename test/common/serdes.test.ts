import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Serdes } from '../../common/serdes.ts';

describe('Serdes', () => {
  it('null is a tombstone both ways for every serde', () => {
    for (const serde of [Serdes.String(), Serdes.Json(), Serdes.Bytes(), Serdes.Long(), Serdes.Double(), Serdes.Integer()]) {
      expect(serde.serialize(null)).toBeNull();
      expect(serde.deserialize(null)).toBeNull();
    }
  });

  it('Long matches Java LongSerializer bytes, including negatives and large values', () => {
    expect(Serdes.Long().serialize(1)!.toString('hex')).toBe('0000000000000001');
    expect(Serdes.Long().serialize(-1)!.toString('hex')).toBe('ffffffffffffffff');
    for (const n of [0, 42, -42, 2 ** 40 + 7, -(2 ** 45) - 3, Number.MAX_SAFE_INTEGER]) {
      expect(Serdes.Long().deserialize(Serdes.Long().serialize(n))).toBe(n);
    }
  });

  it('JSON round-trips and reports invalid JSON', () => {
    const serde = Serdes.Json<{ a: number }>();
    expect(serde.deserialize(serde.serialize({ a: 1 }))).toEqual({ a: 1 });
    expect(() => serde.deserialize(Buffer.from('{nope'))).toThrow(/invalid JSON/);
  });

  it('ZodJson validates and names the failing path', () => {
    const serde = Serdes.ZodJson(z.object({ qty: z.number().int(), symbol: z.string() }));
    expect(serde.deserialize(Buffer.from('{"qty":3,"symbol":"X"}'))).toEqual({ qty: 3, symbol: 'X' });
    expect(() => serde.deserialize(Buffer.from('{"qty":"3","symbol":"X"}'))).toThrow(/qty/);
  });
});
