import { describe, expect, it } from 'vitest';
import { Serdes } from '../../../common/serdes.ts';
import { inMemoryKeyValueStoreSupplier } from '../../../state/memory/in-memory-key-value-store.ts';
import { Stores } from '../../../state/stores.ts';
import { open, storeContext } from '../../helpers/store-context.ts';

const S = Serdes.String();

describe('key-value stores with a time-to-live', () => {
  it('hides entries older than stream time − ttl, on get and on scans, for plain stores', () => {
    const context = storeContext();
    const store = open(Stores.keyValueStoreBuilder(inMemoryKeyValueStoreSupplier('t'), S, S).withTtl(100).build(), context);
    context.timestamp = 0;
    store.put('a', 'A');
    context.timestamp = 50;
    store.put('b', 'B');
    context.streamTime = 100;
    expect(store.get('a')).toBe('A'); // exactly ttl old: still visible
    context.streamTime = 101;
    expect(store.get('a')).toBeUndefined();
    expect(store.all()).toEqual([{ key: 'b', value: 'B' }]);
    expect(store.putIfAbsent('a', 'A2')).toBeUndefined();
    expect(store.get('a')).toBe('A2');
  });

  it('expires table entries by their own timestamp', () => {
    const context = storeContext();
    const store = open(Stores.timestampedKeyValueStoreBuilder(inMemoryKeyValueStoreSupplier('t'), S, S).withTtl(10).build(), context);
    store.put('a', { value: 'A', timestamp: 5 });
    context.streamTime = 15;
    expect(store.get('a')).toEqual({ value: 'A', timestamp: 5 });
    context.streamTime = 16;
    expect(store.get('a')).toBeUndefined();
  });

  it('purges at commit through the changelog (tombstones), never forwarding through the cache', () => {
    const context = storeContext(1024 * 1024);
    const store = open(
      Stores.timestampedKeyValueStoreBuilder(inMemoryKeyValueStoreSupplier('t'), S, S)
        .withTtl(100, { purgeIntervalMs: 50 })
        .withCachingEnabled()
        .build(),
      context,
    );
    const forwarded: string[] = [];
    store.setFlushListener((key, value) => forwarded.push(`${key}=${value?.value}`), true);
    store.put('a', { value: 'A', timestamp: 0 });
    context.streamTime = 0;
    store.flush();
    expect(forwarded).toEqual(['a=A']);
    expect(context.changelog.map((c) => [c.key.toString(), c.value?.toString(), c.timestamp])).toEqual([['a', 'A', 0]]);
    context.streamTime = 200;
    store.flush();
    expect(context.changelog.at(-1)).toMatchObject({ value: null });
    expect(forwarded).toEqual(['a=A']);
    expect(store.get('a')).toBeUndefined();
    const engine = (store.inner as any).inner.inner.inner.inner;
    expect(engine.all()).toEqual([]);
  });

  it('a restored store sees the timestamps the changelog carried', () => {
    const context = storeContext();
    const store = open(Stores.keyValueStoreBuilder(inMemoryKeyValueStoreSupplier('t'), S, S).withTtl(100).build(), context);
    context.timestamp = 40;
    store.put('k', 'v');
    const copyContext = storeContext();
    const copy = open(Stores.keyValueStoreBuilder(inMemoryKeyValueStoreSupplier('t2'), S, S).withTtl(100).build(), copyContext);
    copy.restoreBatch(context.changelog.map((c) => ({ key: c.key, value: c.value, timestamp: c.timestamp })));
    copyContext.streamTime = 140;
    expect(copy.get('k')).toBe('v');
    copyContext.streamTime = 141;
    expect(copy.get('k')).toBeUndefined();
  });

  it('rejects a ttl that is not a positive integer', () => {
    expect(() => Stores.keyValueStoreBuilder(inMemoryKeyValueStoreSupplier('t'), S, S).withTtl(0)).toThrow(/ttl must be an integer > 0/);
  });
});
