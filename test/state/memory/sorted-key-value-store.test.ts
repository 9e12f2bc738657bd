import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SortedIdList, SortedKeyValueStore } from '../../../state/memory/sorted-key-value-store.ts';
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

  it('SortedIdList matches a sorted array under random inserts, removes and scans', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.string({ maxLength: 3 })), { maxLength: 3000 }),
        fc.string({ maxLength: 2 }),
        fc.string({ maxLength: 2 }),
        (ops, lo, hi) => {
          const list = new SortedIdList();
          const model = new Set<string>();
          for (const [add, id] of ops) {
            if (add && !model.has(id)) {
              model.add(id);
              list.insert(id);
            } else if (!add) {
              model.delete(id);
              list.remove(id);
            }
          }
          const sorted = [...model].sort();
          const seen: string[] = [];
          list.scan(null, null, false, (id) => void seen.push(id));
          expect(seen).toEqual(sorted);
          const inRange = sorted.filter((id) => id >= lo && id <= hi);
          const forward: string[] = [];
          list.scan(lo, hi, false, (id) => void forward.push(id));
          expect(forward).toEqual(inRange);
          const backward: string[] = [];
          list.scan(lo, hi, true, (id) => void backward.push(id));
          expect(backward).toEqual([...inRange].reverse());
          expect(list.size).toBe(model.size);
        },
      ),
      { numRuns: 200 },
    );
  });
});
