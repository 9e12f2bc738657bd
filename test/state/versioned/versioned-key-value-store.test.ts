import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Serdes } from '../../../common/serdes.ts';
import { VersionedPut } from '../../../state/api/versioned-key-value-store.ts';
import { Stores } from '../../../state/stores.ts';
import type { MeteredVersionedKeyValueStore } from '../../../state/versioned/metered-versioned-key-value-store.ts';
import { open, storeContext } from '../../helpers/store-context.ts';

function versionedStore(engine: 'in-memory' | 'rocksdb', retentionMs = 1000, name = 'prices') {
  const supplier =
    engine === 'rocksdb' ? Stores.persistentVersionedKeyValueStore(name, retentionMs) : Stores.inMemoryVersionedKeyValueStore(name, retentionMs);
  const context = storeContext();
  const store = open(Stores.versionedKeyValueStoreBuilder(supplier, Serdes.String(), Serdes.String()).build(), context);
  return { store, changelog: context.changelog };
}

const at = (store: MeteredVersionedKeyValueStore<string, string>, t: number) => store.get('k', t)?.value;

for (const engine of ['in-memory', 'rocksdb'] as const) {
  describe(`versioned key-value store (${engine})`, () => {
    it('keeps each version with the range of time it was current', () => {
      const { store } = versionedStore(engine);
      expect(store.put('k', 'v10', 10)).toBe(VersionedPut.LATEST);
      expect(store.put('k', 'v20', 20)).toBe(VersionedPut.LATEST);
      expect(store.get('k')).toEqual({ value: 'v20', timestamp: 20, validTo: undefined });
      expect(store.get('k', 15)).toEqual({ value: 'v10', timestamp: 10, validTo: 20 });
      expect(store.get('k', 20)?.value).toBe('v20');
      expect(store.get('k', 9)).toBeUndefined();
      expect(store.get('other', 15)).toBeUndefined();
    });

    it('out-of-order versions split the version current at their time, or fill the gap before the next', () => {
      const { store } = versionedStore(engine);
      store.put('k', 'v10', 10);
      store.put('k', 'v30', 30);
      expect(store.put('k', 'v20', 20)).toBe(30);
      expect(store.put('k', 'v5', 5)).toBe(10);
      expect(store.put('k', 'v15', 15)).toBe(20);
      expect([4, 5, 9, 10, 14, 15, 19, 20, 29, 30, 99].map((t) => at(store, t))).toEqual([
        undefined,
        'v5',
        'v5',
        'v10',
        'v10',
        'v15',
        'v15',
        'v20',
        'v20',
        'v30',
        'v30',
      ]);
      expect(store.get('k')?.value).toBe('v30');
    });

    it('tombstones end a version; out-of-order tombstones and same-timestamp puts replace history', () => {
      const { store } = versionedStore(engine);
      store.put('k', 'v10', 10);
      expect(store.put('k', null, 20)).toBe(VersionedPut.LATEST);
      expect(store.get('k')).toBeUndefined();
      store.put('k', 'v30', 30);
      expect(store.put('k', null, 15)).toBe(20);
      expect(store.put('k', 'v25', 25)).toBe(30);
      expect(store.put('k', 'v25b', 25)).toBe(30);
      expect([10, 14, 15, 19, 20, 24, 25, 30].map((t) => at(store, t))).toEqual(['v10', 'v10', undefined, undefined, undefined, undefined, 'v25b', 'v30']);
      expect(store.delete('k', 40)).toEqual({ value: 'v30', timestamp: 30, validTo: undefined });
      expect(store.get('k')).toBeUndefined();
      expect(at(store, 35)).toBe('v30');
    });

    it('answers nothing older than the history retention and refuses puts that old', () => {
      const { store } = versionedStore(engine, 100);
      store.put('k', 'v0', 0);
      store.put('k', 'v50', 50);
      store.put('other', 'x', 250); // stream time 250: lookups before 150 are out of retention
      expect(at(store, 149)).toBeUndefined();
      expect(at(store, 150)).toBe('v50');
      expect(store.put('k', 'late', 149)).toBe(VersionedPut.NOT_PUT);
      expect(store.put('k', 'in-time', 150)).toBe(VersionedPut.LATEST);
      store.put('other', 'y', 1000); // purges what no allowed lookup can reach
      expect(store.get('k')?.value).toBe('in-time');
    });

    it('logs each accepted put with its timestamp; replaying the changelog rebuilds the same history', () => {
      const { store, changelog } = versionedStore(engine, 1000, 'logged');
      store.put('k', 'v10', 10);
      store.put('k', 'v30', 30);
      store.put('k', 'v20', 20);
      store.put('k', null, 40);
      expect(changelog.map((c) => [c.key.toString(), c.value?.toString() ?? null, c.timestamp])).toEqual([
        ['k', 'v10', 10],
        ['k', 'v30', 30],
        ['k', 'v20', 20],
        ['k', null, 40],
      ]);
      const { store: restored } = versionedStore(engine, 1000, 'restored');
      restored.restoreBatch(changelog.map((c) => ({ key: c.key, value: c.value, timestamp: c.timestamp })));
      for (const t of [5, 10, 19, 20, 29, 30, 39, 40, 50]) expect(at(restored, t)).toEqual(at(store, t));
    });
  });
}

describe('versioned store agrees with a naive model', () => {
  const put = fc.record({
    key: fc.constantFrom('a', 'b'),
    value: fc.option(fc.string({ minLength: 1, maxLength: 3 }), { freq: 4 }),
    timestamp: fc.integer({ min: 0, max: 200 }),
  });

  for (const engine of ['in-memory', 'rocksdb'] as const) {
    it(`every lookup within the retention answers what the accepted puts say (${engine})`, () => {
      fc.assert(
        fc.property(fc.array(put, { maxLength: 40 }), fc.integer({ min: 0, max: 150 }), (puts, retention) => {
          const { store } = versionedStore(engine, retention, `model-${engine}`);
          const accepted: Array<{ key: string; value: string | null; timestamp: number; order: number }> = [];
          let streamTime = Number.NEGATIVE_INFINITY;
          puts.forEach((p, order) => {
            const result = store.put(p.key, p.value, p.timestamp);
            const tooOld = p.timestamp < streamTime - retention;
            expect(result === VersionedPut.NOT_PUT).toBe(tooOld);
            if (tooOld) return;
            streamTime = Math.max(streamTime, p.timestamp);
            accepted.push({ ...p, order });
          });
          for (const key of ['a', 'b']) {
            for (let t = Math.max(0, streamTime - retention); t <= 210; t += 3) {
              const current = accepted
                .filter((p) => p.key === key && p.timestamp <= t)
                .sort((x, y) => x.timestamp - y.timestamp || x.order - y.order)
                .at(-1);
              expect(store.get(key, t)?.value, `${key} at ${t}`).toEqual(current?.value ?? undefined);
            }
          }
          store.close();
        }),
        { numRuns: engine === 'rocksdb' ? 25 : 200 },
      );
    });
  }
});
