import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KeyValue } from '../../../common/record.ts';
import { Serdes } from '../../../common/serdes.ts';
import type { StateStoreContext } from '../../../state/api/state-store.ts';
import {
  RocksDbKeyValueStore,
  rocksDbKeyValueStoreSupplier,
} from '../../../state/rocksdb/rocksdb-key-value-store.ts';

const dirs: string[] = [];
const stores: RocksDbKeyValueStore[] = [];

afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

// The engine reads only stateDir from its context; the rest of the task context is not its business.
function fakeContext(stateDir: string): StateStoreContext {
  const context: Partial<StateStoreContext> = { applicationId: 'app', taskId: '0_0', partition: 0, stateDir };
  return context as StateStoreContext;
}

function openStore(stateDir?: string, name = 'counts'): { store: RocksDbKeyValueStore; context: StateStoreContext } {
  const dir = stateDir ?? mkdtempSync(join(tmpdir(), 'risk-streams-rocksdb-'));
  if (stateDir === undefined) dirs.push(dir);
  const context = fakeContext(dir);
  const store = new RocksDbKeyValueStore(name);
  store.init(context);
  stores.push(store);
  return { store, context };
}

const b = (text: string): Buffer => Buffer.from(text, 'latin1');
const bytes = (...values: number[]): Buffer => Buffer.from(values);
const hex = (entries: KeyValue<Buffer, Buffer>[]): string[] => entries.map((e) => e.key.toString('hex'));
const text = (entries: KeyValue<Buffer, Buffer>[]): string[] =>
  entries.map((e) => `${e.key.toString('latin1')}=${e.value.toString('latin1')}`);

describe('RocksDbKeyValueStore', () => {
  it('supplies a persistent rocksdb-scoped store', () => {
    const supplier = rocksDbKeyValueStoreSupplier('counts');
    expect(supplier).toMatchObject({ name: 'counts', persistent: true, metricsScope: 'rocksdb' });
    const store = supplier.get();
    expect(store).toBeInstanceOf(RocksDbKeyValueStore);
    expect(store.persistent).toBe(true);
    expect(store.isOpen()).toBe(false);
  });

  it('opens its database under <stateDir>/rocksdb/<name>', () => {
    const { store, context } = openStore(undefined, 'orders-by-account');
    expect(store.isOpen()).toBe(true);
    expect(existsSync(join(context.stateDir, 'rocksdb', 'orders-by-account', 'CURRENT'))).toBe(true);
  });

  it('puts, gets and deletes, reading pending writes before any flush', () => {
    const { store } = openStore();
    expect(store.get(b('a'))).toBeUndefined();
    store.put(b('a'), b('1'));
    expect(store.get(b('a'))).toEqual(b('1'));
    store.put(b('a'), b('2'));
    expect(store.get(b('a'))).toEqual(b('2'));
    expect(store.delete(b('a'))).toEqual(b('2'));
    expect(store.get(b('a'))).toBeUndefined();
    expect(store.delete(b('a'))).toBeUndefined();
    store.put(b('c'), b('3'));
    store.put(b('c'), null);
    expect(store.get(b('c'))).toBeUndefined();
  });

  it('putIfAbsent writes only when absent, whether the value is pending or flushed', () => {
    const { store } = openStore();
    expect(store.putIfAbsent(b('k'), b('first'))).toBeUndefined();
    expect(store.putIfAbsent(b('k'), b('second'))).toEqual(b('first'));
    store.flush();
    expect(store.putIfAbsent(b('k'), b('third'))).toEqual(b('first'));
    expect(store.get(b('k'))).toEqual(b('first'));
  });

  it('a pending delete hides a flushed value until and after flush', () => {
    const { store } = openStore();
    store.put(b('k'), b('v'));
    store.flush();
    store.delete(b('k'));
    expect(store.get(b('k'))).toBeUndefined();
    expect(store.all()).toEqual([]);
    store.flush();
    expect(store.get(b('k'))).toBeUndefined();
  });

  it('flush persists the pending buffer: a reopened store reads it back', () => {
    const { store, context } = openStore();
    store.putAll([
      { key: b('a'), value: b('1') },
      { key: b('b'), value: b('2') },
      { key: b('gone'), value: b('x') },
    ]);
    store.flush();
    store.delete(b('gone'));
    store.put(b('c'), b('3'));
    store.flush();
    store.close();
    expect(store.isOpen()).toBe(false);

    const reopened = new RocksDbKeyValueStore('counts');
    reopened.init(context);
    stores.push(reopened);
    expect(reopened.get(b('a'))).toEqual(b('1'));
    expect(reopened.get(b('gone'))).toBeUndefined();
    expect(text(reopened.all())).toEqual(['a=1', 'b=2', 'c=3']);
  });

  it('close flushes what is still pending', () => {
    const { store, context } = openStore();
    store.put(b('late'), b('write'));
    store.close();
    store.init(context);
    expect(store.get(b('late'))).toEqual(b('write'));
  });

  it('cannot open the same directory twice while the first holds its lock', () => {
    const { context } = openStore();
    const second = new RocksDbKeyValueStore('counts');
    expect(() => second.init(context)).toThrow(expect.objectContaining({ code: 'STREAMS_STATE_STORE' }));
    expect(second.isOpen()).toBe(false);
  });

  describe('scans in unsigned byte order, merging pending writes', () => {
    // 0x7f < 0x80 < 0xff as unsigned bytes; a signed comparison would put 0x80 and 0xff first.
    const keys = [bytes(0x00), bytes(0x61), bytes(0x61, 0x00), bytes(0x61, 0x62), bytes(0x7f), bytes(0x80), bytes(0xff)];

    function seeded(): RocksDbKeyValueStore {
      const { store } = openStore();
      // Half flushed, half pending, in shuffled order.
      for (const key of [keys[6], keys[1], keys[4]]) store.put(key, key);
      store.flush();
      for (const key of [keys[5], keys[0], keys[3], keys[2]]) store.put(key, key);
      return store;
    }

    it('all and reverseAll', () => {
      const store = seeded();
      const ordered = keys.map((k) => k.toString('hex'));
      expect(hex(store.all())).toEqual(ordered);
      expect(hex(store.reverseAll())).toEqual([...ordered].reverse());
      store.flush();
      expect(hex(store.all())).toEqual(ordered);
    });

    it('range and reverseRange include both bounds; null bounds are open', () => {
      const store = seeded();
      expect(hex(store.range(bytes(0x61, 0x00), bytes(0x80)))).toEqual(['6100', '6162', '7f', '80']);
      expect(hex(store.reverseRange(bytes(0x61, 0x00), bytes(0x80)))).toEqual(['80', '7f', '6162', '6100']);
      expect(hex(store.range(bytes(0x7f), null))).toEqual(['7f', '80', 'ff']);
      expect(hex(store.range(null, bytes(0x61)))).toEqual(['00', '61']);
      expect(hex(store.reverseRange(null, bytes(0x61)))).toEqual(['61', '00']);
      expect(hex(store.range(bytes(0x62), bytes(0x7e)))).toEqual([]);
      expect(hex(store.range(bytes(0x80), bytes(0x61)))).toEqual([]);
    });

    it('a pending value replaces the flushed one and a pending delete removes it', () => {
      const store = seeded();
      store.put(bytes(0x7f), b('new'));
      store.delete(bytes(0xff));
      const all = store.all();
      expect(hex(all)).toEqual(['00', '61', '6100', '6162', '7f', '80']);
      expect(all[4].value).toEqual(b('new'));
      expect(hex(store.reverseRange(bytes(0x7f), null))).toEqual(['80', '7f']);
    });

    it('prefixScan', () => {
      const store = seeded();
      store.put(bytes(0xff, 0xff), b('x'));
      store.put(bytes(0xff, 0xff, 0x01), b('y'));
      const raw = Serdes.Bytes();
      expect(hex(store.prefixScan(bytes(0x61), raw))).toEqual(['61', '6100', '6162']);
      expect(hex(store.prefixScan(bytes(0x61, 0x62), raw))).toEqual(['6162']);
      expect(hex(store.prefixScan(bytes(0xff), raw))).toEqual(['ff', 'ffff', 'ffff01']);
      store.flush();
      expect(hex(store.prefixScan(bytes(0xff, 0xff), raw))).toEqual(['ffff', 'ffff01']);
      expect(hex(store.prefixScan(bytes(0x62), raw))).toEqual([]);
      expect(store.prefixScan('acct-', Serdes.String())).toEqual([]);
    });

    it('a scan longer than one native chunk keeps its order', () => {
      const { store } = openStore();
      for (let i = 0; i < 2500; i++) store.put(b(`acct-${String(i).padStart(5, '0')}`), b(String(i)));
      store.flush();
      for (let i = 2500; i < 3000; i++) store.put(b(`acct-${String(i).padStart(5, '0')}`), b(String(i)));
      const all = store.all();
      expect(all).toHaveLength(3000);
      expect(all.every((e, i) => e.value.toString() === String(i))).toBe(true);
      expect(store.reverseAll()[0].value.toString()).toBe('2999');
    });
  });

  it('restoreBatch writes straight to the database, after the pending writes', () => {
    const { store, context } = openStore();
    store.put(b('a'), b('pending'));
    store.put(b('z'), b('kept'));
    store.restoreBatch([
      { key: b('a'), value: b('restored'), timestamp: 1 },
      { key: b('b'), value: b('2'), timestamp: 2 },
      { key: b('b'), value: null, timestamp: 3 },
      { key: b('c'), value: b('3'), timestamp: 4 },
    ]);
    expect(text(store.all())).toEqual(['a=restored', 'c=3', 'z=kept']);
    store.close();
    store.init(context);
    expect(text(store.all())).toEqual(['a=restored', 'c=3', 'z=kept']);
  });

  it('deleteRange removes [from, to) at once, flushed and pending alike, and persists it', () => {
    const { store, context } = openStore();
    for (const k of ['a', 'b', 'c', 'd']) store.put(b(k), b(k));
    store.flush();
    store.put(b('bb'), b('pending'));
    store.put(b('e'), b('kept'));
    store.deleteRange(b('b'), b('d'));
    expect(text(store.all())).toEqual(['a=a', 'd=d', 'e=kept']);
    expect(store.get(b('bb'))).toBeUndefined();
    // The dropped pending write must not come back at the next flush.
    store.flush();
    store.deleteRange(null, b('b'));
    store.deleteRange(b('z'), b('y'));
    expect(text(store.all())).toEqual(['d=d', 'e=kept']);
    store.close();
    store.init(context);
    expect(text(store.all())).toEqual(['d=d', 'e=kept']);
  });

  it('approximateNumEntries counts flushed and pending entries', () => {
    const { store } = openStore();
    expect(store.approximateNumEntries()).toBe(0);
    store.put(b('a'), b('1'));
    store.put(b('b'), b('2'));
    store.put(b('c'), b('3'));
    expect(store.approximateNumEntries()).toBe(3);
    store.flush();
    expect(store.approximateNumEntries()).toBe(3);
  });

  it('a closed store refuses every operation with a state-store error', () => {
    const { store } = openStore();
    store.close();
    const refused = expect.objectContaining({ code: 'STREAMS_STATE_STORE', message: expect.stringContaining('not open') });
    expect(() => store.get(b('a'))).toThrow(refused);
    expect(() => store.put(b('a'), b('1'))).toThrow(refused);
    expect(() => store.delete(b('a'))).toThrow(refused);
    expect(() => store.all()).toThrow(refused);
    expect(() => store.range(null, null)).toThrow(refused);
    expect(() => store.flush()).toThrow(refused);
    expect(() => store.restoreBatch([])).toThrow(refused);
    expect(() => store.deleteRange(null, b('a'))).toThrow(refused);
    expect(() => store.approximateNumEntries()).toThrow(refused);
    expect(() => store.close()).not.toThrow();
  });
});
