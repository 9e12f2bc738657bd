import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CachingKeyValueStore } from '../../../state/caching/caching-key-value-store.ts';
import { ChangeLoggingKeyValueStore } from '../../../state/changelog/change-logging-key-value-store.ts';
import { InMemoryKeyValueStore } from '../../../state/memory/in-memory-key-value-store.ts';
import { storeContext } from '../../helpers/store-context.ts';

const b = (s: string) => Buffer.from(s, 'latin1');

function layered(cacheMaxBytes = 1024 * 1024) {
  const context = storeContext(cacheMaxBytes);
  const changelog = context.changelog;
  const setTimestamp = (ts: number) => {
    context.timestamp = ts;
  };
  const engine = new InMemoryKeyValueStore('s');
  const cache = new CachingKeyValueStore(new ChangeLoggingKeyValueStore(engine, false));
  cache.init(context);
  const flushed: Array<[string, string | null, string | null, number]> = [];
  cache.setFlushListener((k, n, o, ts) => flushed.push([k.toString(), n?.toString() ?? null, o?.toString() ?? null, ts]), true);
  return { cache, engine, changelog, flushed, setTimestamp };
}

describe('CachingKeyValueStore', () => {
  it('absorbs repeated writes until flush: one changelog record and one downstream update per key', () => {
    const { cache, engine, changelog, flushed, setTimestamp } = layered();
    setTimestamp(10);
    cache.put(b('k'), b('1'));
    setTimestamp(20);
    cache.put(b('k'), b('2'));
    cache.put(b('j'), b('x'));
    expect(engine.get(b('k'))).toBeUndefined(); // nothing reached the engine yet
    expect(cache.get(b('k'))?.toString()).toBe('2'); // reads hit the cache
    expect(changelog).toHaveLength(0);
    cache.flush();
    expect(engine.get(b('k'))?.toString()).toBe('2');
    expect(changelog.map((c) => [c.key.toString(), c.value?.toString(), c.timestamp])).toEqual([
      ['k', '2', 20],
      ['j', 'x', 20],
    ]);
    expect(flushed).toEqual([
      ['k', '2', null, 20],
      ['j', 'x', null, 20],
    ]);
  });

  it('reports the previously flushed value as the old value', () => {
    const { cache, flushed } = layered();
    cache.put(b('k'), b('1'));
    cache.flush();
    cache.put(b('k'), b('2'));
    cache.put(b('k'), b('3'));
    cache.flush();
    expect(flushed.at(-1)).toEqual(['k', '3', '1', 0]);
  });

  it('counts hits and misses; a miss caches the engine value (and absence)', () => {
    const { cache, engine } = layered();
    engine.put(b('e'), b('v'));
    expect(cache.get(b('e'))?.toString()).toBe('v');
    expect(cache.get(b('e'))?.toString()).toBe('v');
    expect(cache.get(b('nope'))).toBeUndefined();
    expect(cache.get(b('nope'))).toBeUndefined();
    expect([cache.hits, cache.misses]).toEqual([2, 2]);
  });

  it('deletes are cached as tombstones and flushed as changelog tombstones', () => {
    const { cache, engine, changelog } = layered();
    engine.put(b('k'), b('v'));
    cache.delete(b('k'));
    expect(cache.get(b('k'))).toBeUndefined();
    expect(cache.all()).toEqual([]);
    cache.flush();
    expect(engine.get(b('k'))).toBeUndefined();
    expect(changelog.at(-1)!.value).toBeNull();
  });

  it('evicts the oldest writes through when over its byte budget', () => {
    const { cache, engine, flushed } = layered(150);
    cache.put(b('a'), b('1'));
    cache.put(b('b'), b('2'));
    cache.put(b('c'), b('3'));
    expect(engine.get(b('a'))?.toString()).toBe('1');
    expect(flushed[0][0]).toBe('a');
    expect(cache.cachedBytes).toBeLessThanOrEqual(150);
  });

  it('evicts in insertion order (a put moves its key to the back), however many evictions ran before', () => {
    type Op = { kind: 'get' | 'put'; key: string; size: number } | { kind: 'flush' };
    const key = fc.constantFrom(...'abcdefghijklmnop');
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('put' as const), key, size: fc.integer({ min: 0, max: 40 }) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('get' as const), key, size: fc.constant(0) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('flush' as const) }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 700 }), fc.array(op, { maxLength: 300 }), (maxBytes, ops) => {
        const { cache, flushed } = layered(maxBytes);
        // The model: entries in insertion order, the oldest evicted first, dirty ones written through.
        const model = new Map<string, { size: number; dirty: boolean }>();
        /** Value sizes the engine holds. */
        const stored = new Map<string, number>();
        const written: string[] = [];
        let bytes = 0;
        let hits = 0;
        const writeThrough = (id: string) => {
          const entry = model.get(id)!;
          written.push(id);
          stored.set(id, entry.size);
          entry.dirty = false;
        };
        const insert = (k: string, size: number, dirty: boolean) => {
          model.set(k, { size, dirty });
          bytes += 1 + size + 64;
          for (const [id, entry] of model) {
            if (bytes <= maxBytes) break;
            if (entry.dirty) writeThrough(id);
            model.delete(id);
            bytes -= 1 + entry.size + 64;
          }
        };
        for (const o of ops) {
          if (o.kind === 'flush') {
            cache.flush();
            // Dirty entries go in write order, which is their order in the model.
            for (const [id, entry] of model) if (entry.dirty) writeThrough(id);
            continue;
          }
          if (o.kind === 'get') {
            cache.get(b(o.key));
            if (model.has(o.key)) hits++;
            else if (maxBytes > 0) insert(o.key, stored.get(o.key) ?? 0, false);
            continue;
          }
          cache.put(b(o.key), b('x'.repeat(o.size)));
          const old = model.get(o.key);
          if (old !== undefined) {
            model.delete(o.key);
            bytes -= 1 + old.size + 64;
          }
          insert(o.key, o.size, true);
        }
        expect(flushed.map((f) => f[0])).toEqual(written);
        expect(cache.hits).toBe(hits);
        expect(cache.cachedBytes).toBe(bytes);
      }),
    );
  });

  it('range and prefix scans merge dirty cache entries over the engine', () => {
    const { cache, engine } = layered();
    engine.put(b('a'), b('old'));
    engine.put(b('c'), b('gone'));
    cache.put(b('a'), b('new'));
    cache.put(b('b'), b('added'));
    cache.delete(b('c'));
    expect(cache.all().map((kv) => `${kv.key}=${kv.value}`)).toEqual(['a=new', 'b=added']);
    expect(cache.reverseRange(b('a'), b('b')).map((kv) => `${kv.key}`)).toEqual(['b', 'a']);
  });
});

describe('ChangeLoggingKeyValueStore and restore', () => {
  it('logs every write with the record timestamp, and a restore rebuilds an empty store', () => {
    const context = storeContext();
    const changelog = context.changelog;
    const setTimestamp = (ts: number) => {
      context.timestamp = ts;
    };
    const logged = new ChangeLoggingKeyValueStore(new InMemoryKeyValueStore('s'), false);
    logged.init(context);
    setTimestamp(5);
    logged.put(b('a'), b('1'));
    logged.put(b('b'), b('2'));
    setTimestamp(6);
    logged.delete(b('a'));
    expect(changelog.map((c) => [c.key.toString(), c.value?.toString() ?? null, c.timestamp])).toEqual([
      ['a', '1', 5],
      ['b', '2', 5],
      ['a', null, 6],
    ]);
    const fresh = new ChangeLoggingKeyValueStore(new InMemoryKeyValueStore('s'), false);
    fresh.init(storeContext());
    fresh.restoreBatch(changelog);
    expect(fresh.all().map((kv) => `${kv.key}=${kv.value}`)).toEqual(['b=2']);
  });

  it('timestamped stores log plain values with the entry timestamp and restore adds it back', () => {
    const context = storeContext();
    const changelog = context.changelog;
    const logged = new ChangeLoggingKeyValueStore(new InMemoryKeyValueStore('s'), true);
    logged.init(context);
    const value = Buffer.alloc(9);
    value.writeBigInt64BE(1234n, 0);
    value.write('x', 8);
    logged.put(b('k'), value);
    expect(changelog[0].value?.toString()).toBe('x');
    expect(changelog[0].timestamp).toBe(1234);
    const fresh = new ChangeLoggingKeyValueStore(new InMemoryKeyValueStore('s'), true);
    fresh.init(storeContext());
    fresh.restoreBatch(changelog);
    expect(fresh.get(b('k'))).toEqual(value);
  });
});
