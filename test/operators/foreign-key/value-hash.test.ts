import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { murmur3x86_128 } from '../../../operators/foreign-key/value-hash.ts';

describe('murmur3 x86 128', () => {
  it('matches the reference implementation on known inputs', () => {
    expect(murmur3x86_128(Buffer.alloc(0)).toString('hex')).toBe('00000000000000000000000000000000');
    expect(murmur3x86_128(Buffer.from('The quick brown fox jumps over the lazy dog')).toString('hex')).toBe('2f1583c3ecee2c675d7bf66ce5e91d2c');
  });

  it('changes when any byte changes, whatever the length (every tail length included)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 70 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (bytes, at, delta) => {
        const data = Buffer.from(bytes);
        const changed = Buffer.from(bytes);
        const i = at % data.length;
        changed[i] = (changed[i] + delta) & 0xff;
        expect(murmur3x86_128(changed).equals(murmur3x86_128(data))).toBe(false);
        expect(murmur3x86_128(Buffer.concat([data, Buffer.alloc(1)])).equals(murmur3x86_128(data))).toBe(false);
      }),
    );
  });
});
