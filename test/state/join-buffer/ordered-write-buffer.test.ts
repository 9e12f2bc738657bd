import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KeyValue } from '../../../common/record.ts';
import { OrderedWriteBuffer } from '../../../state/join-buffer/ordered-write-buffer.ts';
import { SortedKeyIndex } from '../../../state/join-buffer/sorted-key-index.ts';
import { InMemoryKeyValueStore } from '../../../state/memory/in-memory-key-value-store.ts';
import { RocksDbKeyValueStore } from '../../../state/rocksdb/rocksdb-key-value-store.ts';
import { open, storeContext } from '../../helpers/store-context.ts';

const RAW = { serialize: (b: Buffer | null) => b };
const text = (entries: KeyValue<Buffer, Buffer>[]) => entries.map((e) => `${e.key.toString('latin1')}=${e.value.toString('latin1')}`);

describe('SortedKeyIndex', () => {
  it('stays sorted through inserts and deletes across many chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 3000 })), { maxLength: 4000 }), (ops) => {
        const index = new SortedKeyIndex();
        const model = new Set<string>();
        for (const [add, n] of ops) {
          const id = String(n).padStart(5, '0');
          expect(add ? index.insert(id) : index.delete(id)).toBe(add ? !model.has(id) : model.has(id));
          if (add) model.add(id);
          else model.delete(id);
        }
        const sorted = [...model].sort();
        expect(index.select(null, null)).toEqual(sorted);
        expect(index.size).toBe(sorted.length);
        expect(index.select('01000', '01999')).toEqual(sorted.filter((id) => id >= '01000' && id <= '01999'));
        expect(index.select(null, null, '02')).toEqual(sorted.filter((id) => id.startsWith('02')));
      }),
      { numRuns: 30 },
    );
  });
});

describe('OrderedWriteBuffer', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('put' as const), key: fc.string({ maxLength: 3 }), value: fc.option(fc.string({ minLength: 1, maxLength: 2 })) }),
    fc.record({ kind: fc.constant('flush' as const) }),
  );

  for (const engine of ['in-memory', 'rocksdb'] as const) {
    it(`answers every read as the engine alone would (${engine})`, () => {
      fc.assert(
        fc.property(fc.array(op, { maxLength: 60 }), fc.string({ maxLength: 2 }), fc.string({ maxLength: 2 }), (ops, a, b) => {
          const reference = open(new InMemoryKeyValueStore('reference'));
          const engineStore = engine === 'rocksdb' ? new RocksDbKeyValueStore('buffered') : new InMemoryKeyValueStore('buffered');
          const buffered = open(new OrderedWriteBuffer(engineStore), storeContext());
          for (const o of ops) {
            if (o.kind === 'flush') {
              buffered.flush();
              continue;
            }
            const key = Buffer.from(o.key, 'latin1');
            const value = o.value === null ? null : Buffer.from(o.value, 'latin1');
            reference.put(key, value);
            buffered.put(key, value);
          }
          const [from, to] = [Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')];
          expect(text(buffered.all())).toEqual(text(reference.all()));
          expect(text(buffered.reverseAll())).toEqual(text(reference.reverseAll()));
          expect(text(buffered.range(from, to))).toEqual(text(reference.range(from, to)));
          expect(text(buffered.reverseRange(from, null))).toEqual(text(reference.reverseRange(from, null)));
          expect(text(buffered.prefixScan(from, RAW))).toEqual(text(reference.prefixScan(from, RAW)));
          for (const o of ops) if (o.kind === 'put') expect(buffered.get(Buffer.from(o.key, 'latin1'))).toEqual(reference.get(Buffer.from(o.key, 'latin1')));
          buffered.flush();
          expect(text(engineStore.all())).toEqual(text(reference.all()));
          buffered.close();
          reference.close();
        }),
        { numRuns: engine === 'rocksdb' ? 25 : 200 },
      );
    });
  }
});
