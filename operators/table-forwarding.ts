// Shared by every processor that materializes a KTable: when the store has a record cache, updates go
// downstream when the cache flushes (commit or eviction), one per key, instead of one per record.

import type { Headers } from '../common/record.ts';
import type { ValueAndTimestamp } from '../state/api/value-and-timestamp.ts';
import type { MeteredKeyValueStore } from '../state/metered/metered-key-value-store.ts';
import type { Change, ProcessorContext } from './api/processor.ts';

/** A cache flush listener that forwards each flushed entry as a table change (key-value and windowed stores). */
export function changeForwarder<K, V>(
  context: ProcessorContext<K, Change<V>>,
): (key: K, newValue: ValueAndTimestamp<V> | null, oldValue: ValueAndTimestamp<V> | null, timestamp: number, headers: Headers) => void {
  return (key, newValue, oldValue, timestamp, headers) => {
    if (newValue === null && oldValue === null) return;
    context.forward({
      key,
      value: { newValue: newValue?.value ?? null, oldValue: oldValue?.value ?? null },
      timestamp: newValue?.timestamp ?? timestamp,
      headers,
    });
  };
}

/** True when the cache now does the forwarding and the processor must not forward itself. */
export function forwardCacheFlushes<K, V>(
  store: MeteredKeyValueStore<K, ValueAndTimestamp<V>>,
  context: ProcessorContext<K, Change<V>>,
): boolean {
  return store.setFlushListener(changeForwarder(context), true);
}
