import { describe, expect, it } from 'vitest';
import { SortedKeyValueStore } from '../../../state/memory/sorted-key-value-store.ts';
import { open } from '../../helpers/store-context.ts';

const b = (text: string): Buffer => Buffer.from(text, 'latin1');
const keys = (entries: Array<{ key: Buffer }>): string[] => entries.map((e) => e.key.toString('latin1'));

describe('SortedKeyValueStore', () => {
  it('scans ranges in byte order, forwards and backwards, with inclusive bounds', () => {
    const store = open(new SortedKeyValueStore('s'));
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
