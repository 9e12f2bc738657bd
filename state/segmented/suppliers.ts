// Builds the bytes part of window and session stores from any key-value engine: the retention layer on top of it.
// The memory and RocksDB suppliers (state/memory, state/rocksdb) only choose the engine.

import { ConfigError } from '../../common/errors.ts';
import type { KeyValueBytesStore } from '../api/key-value-store.ts';
import type { SessionBytesStoreSupplier } from '../api/session-store.ts';
import type { WindowBytesStoreSupplier } from '../api/window-store.ts';
import { SegmentedBytesStore } from './segmented-bytes-store.ts';
import { defaultSegmentInterval, entryTime, sessionEntryEnd } from './window-key-schema.ts';

function checkDuration(where: string, what: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(`${where}: ${what} must be an integer ≥ ${min} ms, got ${value}`);
  }
}

export function windowStoreSupplier(
  kind: { engine: (name: string) => KeyValueBytesStore; persistent: boolean; metricsScope: string },
  name: string,
  retentionMs: number,
  windowSizeMs: number,
  retainDuplicates: boolean,
): WindowBytesStoreSupplier {
  const where = `window store ${name}`;
  checkDuration(where, 'retention', retentionMs, 0);
  checkDuration(where, 'window size', windowSizeMs, 0);
  if (windowSizeMs > retentionMs) {
    throw new ConfigError(`${where}: retention (${retentionMs} ms) must be no smaller than the window size (${windowSizeMs} ms)`);
  }
  const segmentInterval = defaultSegmentInterval(retentionMs);
  const suffix = retainDuplicates ? 12 : 8;
  return {
    name,
    persistent: kind.persistent,
    metricsScope: kind.metricsScope,
    retentionPeriod: retentionMs,
    windowSize: windowSizeMs,
    segmentInterval,
    retainDuplicates,
    get: () =>
      new SegmentedBytesStore(kind.engine(name), {
        retentionMs,
        segmentIntervalMs: segmentInterval,
        timeOf: (entry) => entryTime(entry, suffix),
      }),
  };
}

export function sessionStoreSupplier(
  kind: { engine: (name: string) => KeyValueBytesStore; persistent: boolean; metricsScope: string },
  name: string,
  retentionMs: number,
): SessionBytesStoreSupplier {
  checkDuration(`session store ${name}`, 'retention', retentionMs, 0);
  const segmentInterval = defaultSegmentInterval(retentionMs);
  return {
    name,
    persistent: kind.persistent,
    metricsScope: kind.metricsScope,
    retentionPeriod: retentionMs,
    segmentInterval,
    get: () => new SegmentedBytesStore(kind.engine(name), { retentionMs, segmentIntervalMs: segmentInterval, timeOf: sessionEntryEnd }),
  };
}
