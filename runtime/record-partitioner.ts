// Picks the partition of an outgoing record the way the Java client does for keyed records
// (murmur2 of the key bytes); keyless records go round-robin, which keeps the replay deterministic.

import { partitionForKey } from '../common/murmur2.ts';

export class RecordPartitioner {
  readonly #roundRobin = new Map<string, number>();

  partition(topic: string, key: Buffer | null, numPartitions: number): number {
    if (numPartitions <= 1) return 0;
    if (key !== null) return partitionForKey(key, numPartitions);
    const next = this.#roundRobin.get(topic) ?? 0;
    this.#roundRobin.set(topic, next + 1);
    return next % numPartitions;
  }
}
