// Persistent window stores: the retention layer over one RocksDB key-value engine per store (segments are key
// prefixes inside it, not separate databases, so expiry is a range of deletes written at the next flush).

import type { WindowBytesStoreSupplier } from '../api/window-store.ts';
import { windowStoreSupplier } from '../segmented/suppliers.ts';
import { RocksDbKeyValueStore } from './rocksdb-key-value-store.ts';

const ROCKSDB_WINDOW = { engine: (name: string) => new RocksDbKeyValueStore(name), persistent: true, metricsScope: 'rocksdb-window' };

export function rocksDbWindowStoreSupplier(
  name: string,
  retentionMs: number,
  windowSizeMs: number,
  retainDuplicates = false,
): WindowBytesStoreSupplier {
  return windowStoreSupplier(ROCKSDB_WINDOW, name, retentionMs, windowSizeMs, retainDuplicates);
}
