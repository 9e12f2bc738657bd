// The state one task shares among its processors and stores: the record being processed, stream time,
// the stores, the output collector. Stores see it as their StateStoreContext.

import type { Clock } from '../common/time.ts';
import type { Serde } from '../common/serdes.ts';
import type { StreamsMetrics } from '../common/metrics.ts';
import { NO_HEADERS, type ConsumedRecord, type Headers } from '../common/record.ts';
import type { StateStore, StateStoreContext } from '../state/api/state-store.ts';
import type { StreamsConfig } from './config.ts';
import type { RecordCollector } from './ports.ts';

export class TaskContext implements StateStoreContext {
  readonly applicationId: string;
  readonly taskId: string;
  readonly partition: number;
  readonly stateDir: string;
  readonly cacheMaxBytes: number;
  readonly defaultKeySerde: Serde<any>;
  readonly defaultValueSerde: Serde<any>;
  readonly config: StreamsConfig;
  readonly clock: Clock;
  readonly metrics: StreamsMetrics;
  readonly collector: RecordCollector;
  readonly stores = new Map<string, StateStore>();
  /** Global stores are shared by every task of the instance. */
  readonly globalStores: ReadonlyMap<string, StateStore>;
  streamTime = Number.NEGATIVE_INFINITY;
  currentRecord: ConsumedRecord | null = null;
  currentTimestamp = 0;
  currentHeaders: Headers = NO_HEADERS;
  commitRequested = false;

  constructor(options: {
    config: StreamsConfig;
    taskId: string;
    partition: number;
    clock: Clock;
    metrics: StreamsMetrics;
    collector: RecordCollector;
    globalStores: ReadonlyMap<string, StateStore>;
  }) {
    this.config = options.config;
    this.applicationId = options.config.applicationId;
    this.taskId = options.taskId;
    this.partition = options.partition;
    this.stateDir = `${options.config.stateDir}/${options.config.applicationId}/${options.taskId}`;
    this.cacheMaxBytes = options.config.cacheMaxBytes;
    this.defaultKeySerde = options.config.defaultKeySerde;
    this.defaultValueSerde = options.config.defaultValueSerde;
    this.clock = options.clock;
    this.metrics = options.metrics;
    this.collector = options.collector;
    this.globalStores = options.globalStores;
  }

  currentStreamTimeMs(): number {
    return this.streamTime;
  }

  recordTimestamp(): number {
    return this.currentTimestamp;
  }

  recordHeaders(): Headers {
    return this.currentHeaders;
  }

  withRecordContext(timestamp: number, headers: Headers, fn: () => void): void {
    const savedTimestamp = this.currentTimestamp;
    const savedHeaders = this.currentHeaders;
    const savedRecord = this.currentRecord;
    this.currentTimestamp = timestamp;
    this.currentHeaders = headers;
    this.currentRecord = null;
    try {
      fn();
    } finally {
      this.currentTimestamp = savedTimestamp;
      this.currentHeaders = savedHeaders;
      this.currentRecord = savedRecord;
    }
  }

  changelogTopic(storeName: string): string {
    return `${this.applicationId}-${storeName}-changelog`;
  }

  logChange(storeName: string, key: Buffer, value: Buffer | null, timestamp: number, headers: Headers = NO_HEADERS): void {
    this.collector.send({ topic: this.changelogTopic(storeName), partition: this.partition, key, value, timestamp, headers });
  }
}
