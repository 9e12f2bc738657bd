// In-memory session stores: the retention layer over an always-sorted in-memory engine.

import type { SessionBytesStoreSupplier } from '../api/session-store.ts';
import { sessionStoreSupplier } from '../segmented/suppliers.ts';
import { InMemoryKeyValueStore } from './in-memory-key-value-store.ts';

const IN_MEMORY_SESSION = { engine: (name: string) => new InMemoryKeyValueStore(name), persistent: false, metricsScope: 'in-memory-session' };

export function inMemorySessionStoreSupplier(name: string, retentionMs: number): SessionBytesStoreSupplier {
  return sessionStoreSupplier(IN_MEMORY_SESSION, name, retentionMs);
}
