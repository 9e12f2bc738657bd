import { describe, expect, it } from 'vitest';
import { Serdes } from '../../../common/serdes.ts';
import { JoinBuffers } from '../../../state/join-buffer/join-buffer-builders.ts';
import { JoinSide } from '../../../state/join-buffer/outer-join-buffer.ts';
import { inMemoryKeyValueStoreSupplier } from '../../../state/memory/in-memory-key-value-store.ts';
import { rocksDbKeyValueStoreSupplier } from '../../../state/rocksdb/rocksdb-key-value-store.ts';
import { open, storeContext } from '../../helpers/store-context.ts';

const S = Serdes.String();

for (const engine of ['in-memory', 'rocksdb'] as const) {
  const supplier = (name: string) => (engine === 'rocksdb' ? rocksDbKeyValueStoreSupplier(name) : inMemoryKeyValueStoreSupplier(name));

  describe(`join window buffer (${engine})`, () => {
    it('fetches one key by time range, duplicates in arrival order, never a longer key with the same start', () => {
      const buffer = open(JoinBuffers.windowBuffer(supplier('w'), 100, S, S).build());
      buffer.put('ab', 'x1', 10);
      buffer.put('ab', 'x2', 10);
      buffer.put('abc', 'y', 10);
      buffer.put('ab', 'z', 20);
      buffer.put('a', 'w', 15);
      expect(buffer.fetch('ab', 0, 15)).toEqual([
        { timestamp: 10, value: 'x1' },
        { timestamp: 10, value: 'x2' },
      ]);
      expect(buffer.fetch('ab', 11, 20)).toEqual([{ timestamp: 20, value: 'z' }]);
      expect(buffer.fetch('ab', 21, 10)).toEqual([]);
    });

    it('keeps records only for the retention behind the newest one; logs what it keeps', () => {
      const context = storeContext();
      const buffer = open(JoinBuffers.windowBuffer(supplier('w'), 100, S, S).build(), context);
      expect(buffer.put('k', 'old', 1000)).toBe(true);
      expect(buffer.put('k', 'new', 1200)).toBe(true);
      expect(buffer.put('k', 'too-late', 1099)).toBe(false);
      expect(buffer.fetch('k', 0, 2000).map((r) => r.value)).toEqual(['new']);
      expect(context.changelog.map((c) => c.value?.toString())).toEqual(['old', 'new']);
    });
  });

  describe(`outer join buffer (${engine})`, () => {
    it('takes closed records oldest first (right before left on ties), forgets removed ones', () => {
      const buffer = open(JoinBuffers.outerBuffer(supplier('o'), S, S, S).build());
      buffer.put('a', JoinSide.LEFT, 'l1', 10);
      buffer.put('a', JoinSide.RIGHT, 'r1', 10);
      buffer.put('b', JoinSide.LEFT, 'l2', 10);
      buffer.put('a', JoinSide.LEFT, 'l3', 30);
      buffer.put('ab', JoinSide.LEFT, 'l4', 10);
      buffer.remove('b', JoinSide.LEFT, 10);
      const taken = buffer.takeClosed(25, (_side, t) => t < 20);
      expect(taken.map((r) => `${r.key}/${r.value}`)).toEqual(['a/r1', 'a/l1', 'ab/l4']);
      expect(buffer.takeClosed(25, () => true)).toEqual([]);
      expect(buffer.takeClosed(31, () => true).map((r) => r.value)).toEqual(['l3']);
    });
  });
}
