// Timestamp synchronisation across a task's input partitions (Kafka Streams' PartitionGroup): the buffered
// record with the smallest timestamp goes first (ties: topic name, then partition). While some partition
// has nothing buffered, the task waits up to maxTaskIdleMs unless that partition is known to be caught up.

import type { ConsumedRecord } from '../common/record.ts';

interface Queue {
  readonly topic: string;
  readonly partition: number;
  readonly records: ConsumedRecord[];
  head: number;
}

export class PartitionGroup {
  readonly #queues: Queue[] = [];
  /** Queues by topic, then by partition number: routing a record builds no "topic:partition" string. */
  readonly #byTopic = new Map<string, Array<Queue | undefined>>();
  #idleSince: number | null = null;

  addPartition(topic: string, partition: number): void {
    let partitions = this.#byTopic.get(topic);
    if (partitions === undefined) this.#byTopic.set(topic, (partitions = []));
    if (partitions[partition] !== undefined) return;
    const queue: Queue = { topic, partition, records: [], head: 0 };
    partitions[partition] = queue;
    this.#queues.push(queue);
    this.#queues.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }

  partitions(): Array<{ topic: string; partition: number }> {
    return this.#queues.map((q) => ({ topic: q.topic, partition: q.partition }));
  }

  add(records: readonly ConsumedRecord[]): void {
    for (const record of records) this.#queue(record.topic, record.partition)!.records.push(record);
  }

  get buffered(): number {
    let n = 0;
    for (const q of this.#queues) n += q.records.length - q.head;
    return n;
  }

  bufferedFor(topic: string, partition: number): number {
    const q = this.#queue(topic, partition);
    return q === undefined ? 0 : q.records.length - q.head;
  }

  /**
   * Whether the task may process now. `caughtUp(topic, partition)` says an empty partition has no more
   * data to fetch; such partitions never hold the others back.
   */
  ready(now: number, maxTaskIdleMs: number, caughtUp: (topic: string, partition: number) => boolean): boolean {
    let anyBuffered = false;
    let waiting = false;
    for (const q of this.#queues) {
      if (q.head < q.records.length) anyBuffered = true;
      else if (!caughtUp(q.topic, q.partition)) waiting = true;
    }
    if (!anyBuffered) {
      this.#idleSince = null;
      return false;
    }
    if (!waiting || maxTaskIdleMs < 0) {
      this.#idleSince = null;
      return true;
    }
    if (this.#idleSince === null) this.#idleSince = now;
    return now - this.#idleSince >= maxTaskIdleMs;
  }

  /** The buffered record that `next()` would return, left in place. */
  peek(): ConsumedRecord | undefined {
    const best = this.#smallest();
    return best === null ? undefined : best.records[best.head];
  }

  /** Removes and returns the buffered record with the smallest timestamp. */
  next(): ConsumedRecord | undefined {
    const best = this.#smallest();
    if (best === null) return undefined;
    const record = best.records[best.head++];
    if (best.head > 1024 && best.head * 2 > best.records.length) {
      best.records.splice(0, best.head);
      best.head = 0;
    }
    return record;
  }

  #queue(topic: string, partition: number): Queue | undefined {
    return this.#byTopic.get(topic)?.[partition];
  }

  #smallest(): Queue | null {
    let best: Queue | null = null;
    for (const q of this.#queues) {
      if (q.head >= q.records.length) continue;
      if (best === null || q.records[q.head].timestamp < best.records[best.head].timestamp) best = q;
    }
    return best;
  }
}
