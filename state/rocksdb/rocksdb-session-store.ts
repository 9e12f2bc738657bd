// Persistent session stores: the retention layer over one RocksDB key-value engine per store.

import type { SessionBytesStoreSupplier } from '../api/session-store.ts';
import { sessionStoreSupplier } from '../segmented/suppliers.ts';
import { RocksDbKeyValueStore } from './rocksdb-key-value-store.ts';

const ROCKSDB_SESSION = { engine: (name: string) => new RocksDbKeyValueStore(name), persistent: true, metricsScope: 'rocksdb-session' };

export function rocksDbSessionStoreSupplier(name: string, retentionMs: number): SessionBytesStoreSupplier {
  return sessionStoreSupplier(ROCKSDB_SESSION, name, retentionMs);
}
