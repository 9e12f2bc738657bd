// Window and session store behaviour, run against each engine (memory, RocksDB) by the engines' test files.

import { describe, expect, it } from 'vitest';
import { Serdes } from '../../common/serdes.ts';
import type { SessionBytesStoreSupplier } from '../../state/api/session-store.ts';
import type { WindowBytesStoreSupplier } from '../../state/api/window-store.ts';
import { Stores } from '../../state/stores.ts';
import { open, storeContext } from './store-context.ts';

const S = Serdes.String();

type WindowSupplierFactory = (name: string, retentionMs: number, windowSizeMs: number, retainDuplicates?: boolean) => WindowBytesStoreSupplier;
type SessionSupplierFactory = (name: string, retentionMs: number) => SessionBytesStoreSupplier;

const windows = (rows: Array<{ key: { key: string; window: { start: number; end: number } }; value: unknown }>) =>
  rows.map((r) => `${r.key.key}@${r.key.window.start}-${r.key.window.end}=${r.value}`);

export function windowStoreCases(engine: string, supplier: WindowSupplierFactory): void {
  describe(`${engine} window store`, () => {
    const build = (retention = 1000, size = 10, duplicates = false) =>
      open(Stores.windowStoreBuilder(supplier('w', retention, size, duplicates), S, S).withLoggingDisabled().build());

    it('puts and fetches single windows; null deletes', () => {
      const store = build();
      store.put('a', 'a0', 0);
      store.put('a', 'a10', 10);
      store.put('b', 'b0', 0);
      expect(store.fetch('a', 0)).toBe('a0');
      expect(store.fetch('a', 10)).toBe('a10');
      expect(store.fetch('a', 5)).toBeUndefined();
      store.put('a', null, 0);
      expect(store.fetch('a', 0)).toBeUndefined();
      expect(store.fetch('b', 0)).toBe('b0');
    });

    it('fetches a key over a time range, oldest first or backwards, ignoring keys that extend it', () => {
      const store = build();
      for (const t of [0, 10, 20, 30]) store.put('a', `a${t}`, t);
      store.put('ab', 'ab10', 10);
      store.put('a\u0000', 'nul', 10);
      expect(store.fetch('a', 5, 25)).toEqual([
        { key: 10, value: 'a10' },
        { key: 20, value: 'a20' },
      ]);
      expect(store.backwardFetch('a', 0, 30).map((kv) => kv.key)).toEqual([30, 20, 10, 0]);
      expect(store.fetch('a', 31, 100)).toEqual([]);
    });

    it('fetches key ranges, all windows and time ranges across keys', () => {
      const store = build();
      store.put('a', '1', 0);
      store.put('b', '2', 0);
      store.put('b', '3', 10);
      store.put('c', '4', 10);
      expect(windows(store.fetch('a', 'b', 0, 10))).toEqual(['a@0-10=1', 'b@0-10=2', 'b@10-20=3']);
      expect(windows(store.fetch(null, 'a', 0, 10))).toEqual(['a@0-10=1']);
      expect(windows(store.fetch('c', null, 0, 10))).toEqual(['c@10-20=4']);
      expect(windows(store.fetchAll(10, 10))).toEqual(['b@10-20=3', 'c@10-20=4']);
      expect(windows(store.all())).toEqual(['a@0-10=1', 'b@0-10=2', 'b@10-20=3', 'c@10-20=4']);
      expect(windows(store.backwardAll())).toEqual(['c@10-20=4', 'b@10-20=3', 'b@0-10=2', 'a@0-10=1']);
    });

    it('expires windows by its own stream time (the latest window start written): start ≤ latest − retention', () => {
      const store = build(100, 10);
      store.put('a', 'old', 0);
      store.put('a', 'mid', 50);
      store.put('b', 'new', 100);
      expect(store.fetch('a', 0)).toBeUndefined();
      expect(store.fetch('a', 50)).toBe('mid');
      expect(windows(store.all())).toEqual(['a@50-60=mid', 'b@100-110=new']);
      // A write already past retention is dropped and counted.
      store.put('c', 'late', 0);
      expect(store.fetch('c', 0, 100)).toEqual([]);
    });

    it('drops whole expired segments from the engine', () => {
      // Retention 60 s gives one-minute segments: after stream time moves 3 minutes, the first segment is gone.
      const store = build(60_000, 1000);
      for (let t = 0; t < 60_000; t += 1000) store.put('k', String(t), t);
      store.put('k', 'late', 180_000);
      const engine = (store.inner as unknown as { inner: { all(): unknown[] } }).inner;
      expect(engine.all()).toHaveLength(1);
    });

    it('keeps every put when retaining duplicates; null is ignored', () => {
      const store = build(1000, 10, true);
      store.put('a', 'x', 0);
      store.put('a', 'y', 0);
      store.put('a', null, 0);
      expect(store.fetch('a', 0, 0).map((kv) => kv.value)).toEqual(['x', 'y']);
    });

    it('keeps processor metadata outside the windows, logged and restored with them', () => {
      const context = storeContext();
      const store = open(Stores.timestampedWindowStoreBuilder(supplier('meta', 1000, 10), S, S).build(), context);
      store.put('a', { value: 'x', timestamp: 3 }, 0);
      store.writeProcessorMetadata('emit-final', 1234);
      expect(store.all()).toHaveLength(1);
      const copy = open(Stores.timestampedWindowStoreBuilder(supplier('meta-copy', 1000, 10), S, S).build(), storeContext());
      copy.restoreBatch(context.changelog.map((c) => ({ key: c.key, value: c.value, timestamp: c.timestamp })));
      expect(copy.readProcessorMetadata('emit-final')).toBe(1234);
      expect(copy.fetch('a', 0)).toEqual({ value: 'x', timestamp: 3 });
    });

    it('logs through the changelog and rebuilds from it; caching holds writes until flush', () => {
      const context = storeContext(1024 * 1024);
      const store = open(Stores.windowStoreBuilder(supplier('logged', 1000, 10), S, S).withCachingEnabled().build(), context);
      store.put('a', '1', 0);
      store.put('a', '2', 0);
      store.put('b', '3', 10);
      expect(context.changelog).toHaveLength(0);
      expect(store.fetch('a', 0)).toBe('2');
      store.flush();
      expect(context.changelog.map((c) => c.value?.toString())).toEqual(['2', '3']);
      const copy = open(Stores.windowStoreBuilder(supplier('copy', 1000, 10), S, S).build(), storeContext());
      copy.restoreBatch(context.changelog.map((c) => ({ key: c.key, value: c.value, timestamp: c.timestamp })));
      expect(windows(copy.all())).toEqual(['a@0-10=2', 'b@10-20=3']);
    });
  });
}

const sessions = (rows: Array<{ key: { key: string; window: { start: number; end: number } }; value: unknown }>) =>
  rows.map((r) => `${r.key.key}[${r.key.window.start},${r.key.window.end}]=${r.value}`);

export function sessionStoreCases(engine: string, supplier: SessionSupplierFactory): void {
  describe(`${engine} session store`, () => {
    const build = (retention = 1000) => open(Stores.sessionStoreBuilder(supplier('s', retention), S, S).withLoggingDisabled().build());
    const at = (key: string, start: number, end: number) => ({ key, window: { start, end } });

    it('finds the sessions of a key ending at or after a time and starting at or before another', () => {
      const store = build();
      store.put(at('a', 0, 5), 'x');
      store.put(at('a', 10, 20), 'y');
      store.put(at('a', 30, 30), 'z');
      store.put(at('ab', 12, 12), 'other');
      expect(sessions(store.findSessions('a', 5, 30))).toEqual(['a[0,5]=x', 'a[10,20]=y', 'a[30,30]=z']);
      expect(sessions(store.findSessions('a', 6, 15))).toEqual(['a[10,20]=y']);
      expect(sessions(store.findSessions('a', 21, 29))).toEqual([]);
      expect(sessions(store.backwardFindSessions('a', 0, 100))).toEqual(['a[30,30]=z', 'a[10,20]=y', 'a[0,5]=x']);
      expect(store.fetchSession('a', 10, 20)).toBe('y');
      expect(store.fetchSession('a', 10, 21)).toBeUndefined();
    });

    it('removes sessions and answers key ranges and end-time ranges across keys', () => {
      const store = build();
      store.put(at('a', 0, 5), '1');
      store.put(at('b', 3, 8), '2');
      store.put(at('c', 9, 9), '3');
      store.remove(at('a', 0, 5));
      expect(sessions(store.fetch('a'))).toEqual([]);
      expect(sessions(store.fetch('a', 'b'))).toEqual(['b[3,8]=2']);
      expect(sessions(store.findSessions(8, 9))).toEqual(['b[3,8]=2', 'c[9,9]=3']);
      expect(sessions(store.findSessions(null, null, 0, 5))).toEqual(['b[3,8]=2']);
    });

    it('expires sessions by end: end ≤ latest end written − retention', () => {
      const store = build(100);
      store.put(at('a', 0, 10), 'old');
      store.put(at('a', 50, 60), 'mid');
      store.put(at('b', 110, 110), 'new');
      expect(sessions(store.fetch('a'))).toEqual(['a[50,60]=mid']);
      store.put(at('c', 0, 10), 'late');
      expect(store.fetch('c')).toEqual([]);
    });
  });
}
