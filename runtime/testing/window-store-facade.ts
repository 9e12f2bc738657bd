// Reads a windowed aggregation's timestamped window store as plain values, as Kafka's driver does for
// getWindowStore; writes through it get the current wall-clock time as their timestamp.

import type { KeyValue } from '../../common/record.ts';
import type { ValueAndTimestamp } from '../../state/api/value-and-timestamp.ts';
import type { WindowStore } from '../../state/api/window-store.ts';
import type { Windowed } from '../../state/api/windowed.ts';

export function plainValueWindowStore<K, V>(store: WindowStore<K, ValueAndTimestamp<V>>): WindowStore<K, V> {
  const plain = <T>(list: KeyValue<T, ValueAndTimestamp<V>>[]): KeyValue<T, V>[] => list.map((kv) => ({ key: kv.key, value: kv.value.value }));
  function fetch(key: K, windowStart: number): V | undefined;
  function fetch(key: K, timeFrom: number, timeTo: number): KeyValue<number, V>[];
  function fetch(keyFrom: K | null, keyTo: K | null, timeFrom: number, timeTo: number): KeyValue<Windowed<K>, V>[];
  function fetch(a: K | null, b: any, c?: number, d?: number): V | undefined | KeyValue<number, V>[] | KeyValue<Windowed<K>, V>[] {
    if (d !== undefined) return plain(store.fetch(a, b as K | null, c!, d));
    if (c !== undefined) return plain(store.fetch(a as K, b as number, c));
    return store.fetch(a as K, b as number)?.value;
  }
  function backwardFetch(key: K, timeFrom: number, timeTo: number): KeyValue<number, V>[];
  function backwardFetch(keyFrom: K | null, keyTo: K | null, timeFrom: number, timeTo: number): KeyValue<Windowed<K>, V>[];
  function backwardFetch(a: K | null, b: any, c: number, d?: number): KeyValue<number, V>[] | KeyValue<Windowed<K>, V>[] {
    if (d !== undefined) return plain(store.backwardFetch(a, b as K | null, c, d));
    return plain(store.backwardFetch(a as K, b as number, c));
  }
  return {
    get name() {
      return store.name;
    },
    get persistent() {
      return store.persistent;
    },
    init: (context) => store.init(context),
    flush: () => store.flush(),
    close: () => store.close(),
    isOpen: () => store.isOpen(),
    put: (key, value, windowStart) => store.put(key, value === null ? null : { value, timestamp: Date.now() }, windowStart),
    fetch,
    backwardFetch,
    fetchAll: (from, to) => plain(store.fetchAll(from, to)),
    backwardFetchAll: (from, to) => plain(store.backwardFetchAll(from, to)),
    all: () => plain(store.all()),
    backwardAll: () => plain(store.backwardAll()),
  };
}
