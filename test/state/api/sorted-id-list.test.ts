import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SortedIdList } from '../../../state/api/sorted-id-list.ts';

describe('SortedIdList', () => {
  it('matches a sorted array under random inserts, removes and scans', () => {
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
