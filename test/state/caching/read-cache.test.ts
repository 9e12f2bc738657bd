import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Serdes } from '../../../common/serdes.ts';
import { NOT_CACHED, ReadCache } from '../../../state/caching/read-cache.ts';
import { InMemoryKeyValueStore } from '../../../state/memory/in-memory-key-value-store.ts';
import { MeteredKeyValueStore } from '../../../state/metered/metered-key-value-store.ts';
import { RocksDbKeyValueStore } from '../../../state/rocksdb/rocksdb-key-value-store.ts';
import { Stores } from '../../../state/stores.ts';
import { open } from '../../helpers/store-context.ts';

const S = Serdes.String();
const J = Serdes.Json<{ n: number }>();

describe('ReadCache', () => {
  it('answers NOT_CACHED, a cached value, or a cached absence', () => {
    const cache = new ReadCache<number>(4);
    expect(cache.get('a')).toBe(NOT_CACHED);
    cache.set('a', 1);
    cache.set('gone', undefined);
    expect(cache.get('a')).toBe(1);
    expect(cache.get('gone')).toBeUndefined();
    cache.delete('a');
    expect(cache.get('a')).toBe(NOT_CACHED);
  });

  it('evicts the oldest entry not read since the hand last passed it (CLOCK)', () => {
    const cache = new ReadCache<number>(3);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    cache.get('a');
    cache.set('d', 4);
    // 'a' was read, so it got a second chance and 'b' went.
    expect(cache.get('b')).toBe(NOT_CACHED);
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([1, 3, 4]);
    expect(cache.size).toBe(3);
    // Every entry read: one full round clears the bits, then the oldest goes.
    cache.set('e', 5);
    expect(cache.size).toBe(3);
    expect(cache.get('e')).toBe(5);
  });

  it('refuses a size below 1', () => {
    expect(() => new ReadCache(0)).toThrow(expect.objectContaining({ code: 'STREAMS_CONFIG' }));
    expect(() => Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('s'), S, J).withReadCache(1.5)).toThrow(/integer ≥ 1/);
  });

  it('never answers with anything but the last value set, and stays within its bound', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), id: fc.integer({ min: 0, max: 9 }), value: fc.option(fc.integer(), { nil: undefined }) }),
      fc.record({ kind: fc.constant('get' as const), id: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ kind: fc.constant('delete' as const), id: fc.integer({ min: 0, max: 9 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 200 }), (size, ops) => {
        const cache = new ReadCache<number>(size);
        const model = new Map<string, number | undefined>();
        for (const o of ops) {
          const id = String(o.id);
          if (o.kind === 'set') {
            cache.set(id, o.value);
            model.set(id, o.value);
            expect(cache.get(id)).toBe(o.value);
          } else if (o.kind === 'delete') {
            cache.delete(id);
            model.delete(id);
            expect(cache.get(id)).toBe(NOT_CACHED);
          } else {
            const got = cache.get(id);
            if (got !== NOT_CACHED) expect(got).toBe(model.get(id));
          }
          expect(cache.size).toBeLessThanOrEqual(size);
        }
      }),
    );
  });
});

describe('MeteredKeyValueStore with a read cache', () => {
  type Op =
    | { kind: 'put'; key: string; value: number | null }
    | { kind: 'delete' | 'get'; key: string }
    | { kind: 'putIfAbsent'; key: string; value: number }
    | { kind: 'restore'; key: string; value: number | null }
    | { kind: 'flush' };
  const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');
  const ops: fc.Arbitrary<Op[]> = fc.array(
    fc.oneof(
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('put' as const), key, value: fc.option(fc.integer({ min: 0, max: 99 }), { nil: null }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), key }) },
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('get' as const), key }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('putIfAbsent' as const), key, value: fc.integer({ min: 0, max: 99 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('restore' as const), key, value: fc.option(fc.integer({ min: 0, max: 99 }), { nil: null }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('flush' as const) }) },
    ),
    { maxLength: 120 },
  );

  for (const engine of ['in-memory', 'rocksdb'] as const) {
    it(`reads what a plain map holds after any puts, deletes, restores and evictions (${engine})`, () => {
      let run = 0;
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 5 }), ops, (size, sequence) => {
          const name = `s${run++}`;
          const inner = engine === 'rocksdb' ? new RocksDbKeyValueStore(name) : new InMemoryKeyValueStore(name);
          const store = open(new MeteredKeyValueStore<string, { n: number }>(inner, S, J, engine).withReadCache(size));
          const model = new Map<string, number>();
          const read = (k: string) => store.get(k)?.n;
          for (const o of sequence) {
            switch (o.kind) {
              case 'put':
                store.put(o.key, o.value === null ? null : { n: o.value });
                if (o.value === null) model.delete(o.key);
                else model.set(o.key, o.value);
                break;
              case 'delete':
                expect(store.delete(o.key)?.n).toBe(model.get(o.key));
                model.delete(o.key);
                break;
              case 'putIfAbsent':
                expect(store.putIfAbsent(o.key, { n: o.value })?.n).toBe(model.get(o.key));
                if (!model.has(o.key)) model.set(o.key, o.value);
                break;
              case 'restore':
                store.restoreBatch([{ key: Buffer.from(o.key), value: o.value === null ? null : J.serialize({ n: o.value }, name), timestamp: 0 }]);
                if (o.value === null) model.delete(o.key);
                else model.set(o.key, o.value);
                break;
              case 'flush':
                store.flush();
                break;
              case 'get':
                expect(read(o.key)).toBe(model.get(o.key));
                // A second read is the cached one.
                expect(read(o.key)).toBe(model.get(o.key));
                break;
            }
          }
          for (const k of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) expect(read(k)).toBe(model.get(k));
          store.close();
        }),
        { numRuns: engine === 'rocksdb' ? 40 : 200 },
      );
    });
  }

  it('serves repeated reads, hits and misses, without reading the layer below', () => {
    const inner = new InMemoryKeyValueStore('s');
    const store = open(new MeteredKeyValueStore<string, { n: number }>(inner, S, J, 'in-memory').withReadCache(10));
    store.put('a', { n: 1 });
    let below = 0;
    const get = inner.get.bind(inner);
    inner.get = (k) => {
      below++;
      return get(k);
    };
    for (let i = 0; i < 5; i++) {
      expect(store.get('a')).toEqual({ n: 1 });
      expect(store.get('missing')).toBeUndefined();
    }
    expect(below).toBe(2);
    store.put('missing', { n: 2 });
    expect(store.get('missing')).toEqual({ n: 2 });
    expect(below).toBe(3);
  });

  it('the builder adds it on request, refuses it with a ttl, and builds none by default', () => {
    const builder = () => Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('s'), S, J);
    expect(builder().readCacheEntries).toBe(0);
    expect(builder().withReadCache().readCacheEntries).toBe(10_000);
    expect(builder().withReadCache(5).withReadCacheDisabled().readCacheEntries).toBe(0);
    expect(() => builder().withTtl(1000).withReadCache(5)).toThrow(/ttl/);
    expect(() => builder().withReadCache(5).withTtl(1000)).toThrow(/ttl/);
  });
});
