import { describe, expect, it } from 'vitest';
import { Serdes } from '../../../common/serdes.ts';
import { InMemoryKeyValueStore } from '../../../state/memory/in-memory-key-value-store.ts';
import { storeContext } from '../../helpers/store-context.ts';

const b = (s: string) => Buffer.from(s, 'latin1');

function open() {
  const store = new InMemoryKeyValueStore('s');
  store.init(storeContext());
  return store;
}
const keys = (list: { key: Buffer }[]) => list.map((kv) => kv.key.toString('latin1'));

describe('InMemoryKeyValueStore', () => {
  it('puts, gets, deletes; null deletes', () => {
    const s = open();
    s.put(b('a'), b('1'));
    expect(s.get(b('a'))?.toString()).toBe('1');
    expect(s.putIfAbsent(b('a'), b('2'))?.toString()).toBe('1');
    expect(s.putIfAbsent(b('z'), b('9'))).toBeUndefined();
    expect(s.delete(b('a'))?.toString()).toBe('1');
    s.put(b('z'), null);
    expect(s.get(b('a'))).toBeUndefined();
    expect(s.approximateNumEntries()).toBe(0);
  });

  it('ranges in unsigned byte order, inclusive, with open bounds and reverse', () => {
    const s = open();
    for (const k of ['b', 'a', 'c', '\xff', 'ab']) s.put(b(k), b(k));
    expect(keys(s.all())).toEqual(['a', 'ab', 'b', 'c', '\xff']);
    expect(keys(s.range(b('ab'), b('c')))).toEqual(['ab', 'b', 'c']);
    expect(keys(s.range(null, b('b')))).toEqual(['a', 'ab', 'b']);
    expect(keys(s.reverseRange(b('b'), null))).toEqual(['\xff', 'c', 'b']);
    expect(keys(s.reverseAll())).toEqual(['\xff', 'c', 'b', 'ab', 'a']);
    expect(keys(s.range(b('d'), b('c')))).toEqual([]);
  });

  it('deleteRange removes the keys in [from, to); null from starts at the first key', () => {
    const s = open();
    for (const k of ['a', 'ab', 'b', 'c', '\xff']) s.put(b(k), b(k));
    s.deleteRange(b('ab'), b('c'));
    expect(keys(s.all())).toEqual(['a', 'c', '\xff']);
    s.deleteRange(null, b('\xff'));
    expect(keys(s.all())).toEqual(['\xff']);
    expect(s.get(b('c'))).toBeUndefined();
    s.put(b('c'), b('again'));
    expect(keys(s.all())).toEqual(['c', '\xff']);
  });

  it('prefixScan returns keys that start with the serialized prefix', () => {
    const s = open();
    for (const k of ['acct1|AAPL', 'acct1|NVDA', 'acct10|X', 'acct2|AAPL']) s.put(b(k), b('v'));
    expect(keys(s.prefixScan('acct1|', Serdes.String()))).toEqual(['acct1|AAPL', 'acct1|NVDA']);
  });

  it('refuses writes when closed', () => {
    const s = open();
    s.close();
    expect(() => s.put(b('a'), b('1'))).toThrow(/not open/);
  });
});
