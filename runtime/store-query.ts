// Interactive queries: one read-only view over a key-value store whose data is spread over this instance's
// tasks (or held whole by a global store), with timestamped values unwrapped. Both runtimes answer store()
// through it.

import { StreamsError } from '../common/errors.ts';
import type { KeyValue } from '../common/record.ts';
import type { KeyValueStore, ReadOnlyKeyValueStore } from '../state/api/key-value-store.ts';
import type { StateStore } from '../state/api/state-store.ts';
import type { ValueAndTimestamp } from '../state/api/value-and-timestamp.ts';
import { KeyValueStoreBuilder } from '../state/stores.ts';
import type { Topology } from '../topology/topology.ts';

/**
 * `global` is the store when it is a global one; otherwise `local` lists the instances of the store in the tasks
 * this instance runs at the time of each call (a key lives in exactly one of them), so the view follows
 * rebalances.
 */
export function keyValueStoreView<K, V>(
  topology: Topology,
  name: string,
  global: StateStore | undefined,
  local: () => readonly StateStore[],
): ReadOnlyKeyValueStore<K, V> {
  const builder = topology.stateStore(name);
  if (builder === undefined && global === undefined) throw new StreamsError('STREAMS_UNKNOWN_STORE', `no store named ${name}`);
  const timestamped = builder instanceof KeyValueStoreBuilder && builder.timestamped;
  const stores = (): KeyValueStore<K, unknown>[] => (global !== undefined ? [global] : local()) as KeyValueStore<K, unknown>[];
  const plain = (v: unknown): V => (timestamped ? (v as ValueAndTimestamp<V>).value : (v as V));
  const merged = (pick: (s: KeyValueStore<K, unknown>) => KeyValue<K, unknown>[]) => stores().flatMap((s) => pick(s).map((kv) => ({ key: kv.key, value: plain(kv.value) })));
  return {
    get: (key) => {
      for (const s of stores()) {
        const v = s.get(key);
        if (v !== undefined) return plain(v);
      }
      return undefined;
    },
    range: (from, to) => merged((s) => s.range(from, to)),
    reverseRange: (from, to) => merged((s) => s.reverseRange(from, to)),
    all: () => merged((s) => s.all()),
    reverseAll: () => merged((s) => s.reverseAll()),
    prefixScan: (prefix, serializer) => merged((s) => s.prefixScan(prefix, serializer)),
    approximateNumEntries: () => stores().reduce((n, s) => n + s.approximateNumEntries(), 0),
  };
}
