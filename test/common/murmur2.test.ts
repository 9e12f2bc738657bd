import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from '../../common/murmur2.ts';

describe('murmur2', () => {
  // Vectors from the Java client's own unit test of Utils.murmur2.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('hashes %s like the Java client', (text, expected) => {
    expect(murmur2(Buffer.from(text))).toBe(expected);
  });

  it('maps keys to partitions with the positive hash', () => {
    expect(partitionForKey(Buffer.from('foobar'), 12)).toBe((-790332482 & 0x7fffffff) % 12);
  });
});
