// Reads a table's timestamped store as plain values, as Kafka's driver does for getKeyValueStore.

import type { KeyValue } from '../../common/record.ts';
import type { Serializer } from '../../common/serdes.ts';
import type { KeyValueStore } from '../../state/api/key-value-store.ts';
import type { ValueAndTimestamp } from '../../state/api/value-and-timestamp.ts';

export function plainValueStore<K, V>(store: KeyValueStore<K, ValueAndTimestamp<V>>): KeyValueStore<K, V> {
  const plain = (list: KeyValue<K, ValueAndTimestamp<V>>[]) => list.map((kv) => ({ key: kv.key, value: kv.value.value }));
  const now = () => Date.now();
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
    get: (key) => store.get(key)?.value,
    put: (key, value) => store.put(key, value === null ? null : { value, timestamp: now() }),
    putIfAbsent: (key, value) => store.putIfAbsent(key, { value, timestamp: now() })?.value,
    putAll: (entries) => {
      for (const e of entries) store.put(e.key, e.value === null ? null : { value: e.value, timestamp: now() });
    },
    delete: (key) => store.delete(key)?.value,
    range: (from, to) => plain(store.range(from, to)),
    reverseRange: (from, to) => plain(store.reverseRange(from, to)),
    all: () => plain(store.all()),
    reverseAll: () => plain(store.reverseAll()),
    prefixScan: <P>(prefix: P, serializer: Serializer<P>) => plain(store.prefixScan(prefix, serializer)),
    approximateNumEntries: () => store.approximateNumEntries(),
  };
}
