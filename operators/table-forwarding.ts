// Shared by every processor that materializes a KTable: when the store has a record cache, updates go
// downstream when the cache flushes (commit or eviction), one per key, instead of one per record.

import type { ValueAndTimestamp } from '../state/api/value-and-timestamp.ts';
import type { MeteredKeyValueStore } from '../state/metered/metered-key-value-store.ts';
import type { Change, ProcessorContext } from './api/processor.ts';

/** True when the cache now does the forwarding and the processor must not forward itself. */
export function forwardCacheFlushes<K, V>(
  store: MeteredKeyValueStore<K, ValueAndTimestamp<V>>,
  context: ProcessorContext<K, Change<V>>,
): boolean {
  return store.setFlushListener((key, newValue, oldValue, timestamp, headers) => {
    if (newValue === null && oldValue === null) return;
    context.forward({
      key,
      value: { newValue: newValue?.value ?? null, oldValue: oldValue?.value ?? null },
      timestamp: newValue?.timestamp ?? timestamp,
      headers,
    });
  }, true);
}
