// A task context for stores under test: records changelog writes, lets the test set the record time and stream time.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { StreamsMetrics } from '../../common/metrics.ts';
import type { Headers } from '../../common/record.ts';
import { Serdes } from '../../common/serdes.ts';
import type { StateStore, StateStoreContext } from '../../state/api/state-store.ts';

export interface LoggedChange {
  readonly store: string;
  readonly key: Buffer;
  readonly value: Buffer | null;
  readonly timestamp: number;
}

export interface TestStoreContext extends StateStoreContext {
  readonly metrics: StreamsMetrics;
  readonly changelog: LoggedChange[];
  timestamp: number;
  streamTime: number;
}

const dirs: string[] = [];
const opened: StateStore[] = [];

afterEach(() => {
  for (const store of opened.splice(0)) if (store.isOpen()) store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function storeContext(cacheMaxBytes = 0): TestStoreContext {
  const stateDir = mkdtempSync(join(tmpdir(), 'risk-streams-store-'));
  dirs.push(stateDir);
  let headers: Headers = {};
  const context: TestStoreContext = {
    applicationId: 'app',
    taskId: '0_0',
    partition: 0,
    stateDir,
    defaultKeySerde: Serdes.String(),
    defaultValueSerde: Serdes.Json(),
    cacheMaxBytes,
    metrics: new StreamsMetrics(),
    changelog: [],
    timestamp: 0,
    streamTime: Number.NEGATIVE_INFINITY,
    recordTimestamp: () => context.timestamp,
    currentStreamTimeMs: () => context.streamTime,
    recordHeaders: () => headers,
    withRecordContext(timestamp, h, fn) {
      const saved = [context.timestamp, headers] as const;
      context.timestamp = timestamp;
      headers = h;
      try {
        fn();
      } finally {
        [context.timestamp, headers] = saved;
      }
    },
    logChange(store, key, value, timestamp) {
      context.changelog.push({ store, key, value, timestamp });
    },
    changelogTopic: (store) => `app-${store}-changelog`,
  };
  return context;
}

/** Opens the store in a fresh context; it is closed after the test. */
export function open<S extends StateStore>(store: S, context: StateStoreContext = storeContext()): S {
  store.init(context);
  opened.push(store);
  return store;
}
