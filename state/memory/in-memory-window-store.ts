// In-memory window stores: the retention layer over an always-sorted in-memory engine.

import type { WindowBytesStoreSupplier } from '../api/window-store.ts';
import { windowStoreSupplier } from '../segmented/suppliers.ts';
import { InMemoryKeyValueStore } from './in-memory-key-value-store.ts';

const IN_MEMORY_WINDOW = { engine: (name: string) => new InMemoryKeyValueStore(name), persistent: false, metricsScope: 'in-memory-window' };

export function inMemoryWindowStoreSupplier(
  name: string,
  retentionMs: number,
  windowSizeMs: number,
  retainDuplicates = false,
): WindowBytesStoreSupplier {
  return windowStoreSupplier(IN_MEMORY_WINDOW, name, retentionMs, windowSizeMs, retainDuplicates);
}
