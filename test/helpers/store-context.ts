// A StateStoreContext for store tests: records changelog writes and lets tests set the record timestamp.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamsMetrics } from '../../common/metrics.ts';
import type { Headers } from '../../common/record.ts';
import { Serdes } from '../../common/serdes.ts';
import type { StateStoreContext } from '../../state/api/state-store.ts';

export interface LoggedChange {
  store: string;
  key: Buffer;
  value: Buffer | null;
  timestamp: number;
}

export function storeContext(options: { cacheMaxBytes?: number } = {}) {
  const changelog: LoggedChange[] = [];
  let timestamp = 0;
  let headers: Headers = {};
  const context: StateStoreContext & { metrics: StreamsMetrics } = {
    applicationId: 'app',
    taskId: '0_0',
    partition: 0,
    stateDir: mkdtempSync(join(tmpdir(), 'risk-streams-store-')),
    cacheMaxBytes: options.cacheMaxBytes ?? 1024 * 1024,
    defaultKeySerde: Serdes.String(),
    defaultValueSerde: Serdes.Json(),
    metrics: new StreamsMetrics('debug'),
    recordTimestamp: () => timestamp,
    recordHeaders: () => headers,
    withRecordContext(ts, h, fn) {
      const saved = [timestamp, headers] as const;
      timestamp = ts;
      headers = h;
      try {
        fn();
      } finally {
        [timestamp, headers] = saved;
      }
    },
    logChange: (store, key, value, ts) => {
      changelog.push({ store, key, value, timestamp: ts });
    },
    changelogTopic: (store) => `app-${store}-changelog`,
  };
  return {
    context,
    changelog,
    setTimestamp(ts: number) {
      timestamp = ts;
    },
  };
}

export const b = (s: string) => Buffer.from(s, 'latin1');
