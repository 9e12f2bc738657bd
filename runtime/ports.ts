// The ports between the task engine and whatever carries records: the embedded in-memory topics,
// the test driver, the offline replay and the Kafka adapter each implement them.

import type { ProducedRecord } from '../common/record.ts';

/** Where a task's output goes. `send` buffers synchronously; the runtime flushes at commit. */
export interface RecordCollector {
  send(record: ProducedRecord & { partition: number }): void;
  partitionsFor(topic: string): number;
}
