import { describe, expect, it } from 'vitest';
import type { KeyValueBytesStore } from '../../../state/api/key-value-store.ts';
import { InMemoryKeyValueStore } from '../../../state/memory/in-memory-key-value-store.ts';
import { RocksDbKeyValueStore } from '../../../state/rocksdb/rocksdb-key-value-store.ts';
import { SegmentedBytesStore } from '../../../state/segmented/segmented-bytes-store.ts';
import { entryTime, metadataKey, windowEntryKey } from '../../../state/segmented/window-key-schema.ts';
import { open } from '../../helpers/store-context.ts';

const MINUTE = 60_000;
const entry = (key: string, start: number) => windowEntryKey(Math.floor(start / MINUTE), Buffer.from(key), start, null);
const segmented = (engine: KeyValueBytesStore) =>
  open(new SegmentedBytesStore(engine, { retentionMs: MINUTE, segmentIntervalMs: MINUTE, timeOf: (e) => entryTime(e, 8) }));
const times = (store: KeyValueBytesStore) => store.all().map((kv) => (kv.key[0] === 0xff ? 'meta' : entryTime(kv.key, 8)));

describe('SegmentedBytesStore', () => {
  const engines = {
    'rocksdb (range delete)': (name: string) => new RocksDbKeyValueStore(name),
    'in-memory (range delete)': (name: string) => new InMemoryKeyValueStore(name),
    // The store then deletes entry by entry.
    'an engine without range delete': (name: string) => Object.assign(new InMemoryKeyValueStore(name), { deleteRange: undefined }),
  };
  for (const [label, engine] of Object.entries(engines)) {
    it(`drops expired segments whole, flushed or pending, and keeps metadata: ${label}`, () => {
      const inner = engine('w');
      const store = segmented(inner);
      store.put(metadataKey('emit-final'), Buffer.from('1'));
      store.put(entry('a', 0), Buffer.from('x'));
      store.put(entry('b', 30_000), Buffer.from('x'));
      store.flush();
      store.put(entry('c', 59_000), Buffer.from('pending'));
      store.put(entry('a', 60_000), Buffer.from('x'));
      expect(times(inner)).toEqual([0, 30_000, 59_000, 60_000, 'meta']);
      // Stream time 120 s expires every window start ≤ 60 s: segment 0 goes whole, segment 1 stays (and is filtered).
      store.put(entry('a', 120_000), Buffer.from('x'));
      expect(times(inner)).toEqual([60_000, 120_000, 'meta']);
      store.flush();
      expect(times(inner)).toEqual([60_000, 120_000, 'meta']);
      store.put(entry('a', 250_000), Buffer.from('x'));
      store.flush();
      expect(times(inner)).toEqual([250_000, 'meta']);
    });
  }
});
