import { describe, expect, it } from 'vitest';
import { InMemoryKeyValueStore } from '../../../state/memory/in-memory-key-value-store.ts';
import { open } from '../../helpers/store-context.ts';

const b = (text: string): Buffer => Buffer.from(text, 'latin1');
const keys = (entries: Array<{ key: Buffer }>): string[] => entries.map((e) => e.key.toString('latin1'));

describe('InMemoryKeyValueStore scans', () => {
  it('scans ranges in byte order, forwards and backwards, with inclusive bounds', () => {
    const store = open(new InMemoryKeyValueStore('s'));
    for (const k of ['b', 'a', 'd', 'c', 'ab']) store.put(b(k), b(k.toUpperCase()));
    expect(keys(store.all())).toEqual(['a', 'ab', 'b', 'c', 'd']);
    expect(keys(store.range(b('ab'), b('c')))).toEqual(['ab', 'b', 'c']);
    expect(keys(store.reverseRange(b('ab'), b('c')))).toEqual(['c', 'b', 'ab']);
    expect(keys(store.range(b('c'), b('a')))).toEqual([]);
    expect(keys(store.prefixScan('a', { serialize: (p: string | null) => (p === null ? null : b(p)) }))).toEqual(['a', 'ab']);
    store.put(b('b'), null);
    expect(keys(store.reverseAll())).toEqual(['d', 'c', 'ab', 'a']);
    expect(store.get(b('c'))?.toString()).toBe('C');
  });

});

describe('InMemoryKeyValueStore index upkeep', () => {
  it('keeps the sorted index right across thousands of inserts and deletes after the first scan', () => {
    const store = open(new InMemoryKeyValueStore('s'));
    const model = new Set<string>();
    let seed = 3;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 5000; i++) {
      const k = String(next() % 2000).padStart(4, '0');
      if (next() % 3 === 0) {
        store.put(b(k), null);
        model.delete(k);
      } else {
        store.put(b(k), b('v'));
        model.add(k);
      }
      if (i === 100) store.all(); // builds the index mid-way
    }
    expect(keys(store.all())).toEqual([...model].sort());
    expect(keys(store.range(b('0500'), b('0600')))).toEqual([...model].filter((k) => k >= '0500' && k <= '0600').sort());
  });
});
