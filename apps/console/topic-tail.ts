// Follows one topic of an InMemoryCluster from remembered offsets, like a consumer without a group: the
// console reads audit and margin records this way without joining, or slowing, the apps' own consumption.

import type { ConsumedRecord } from '../../common/record.ts';
import type { InMemoryCluster } from '../../runtime/embedded/in-memory-cluster.ts';

const BATCH = 10_000;

export class TopicTail {
  readonly topic: string;
  readonly #cluster: InMemoryCluster;
  readonly #positions: bigint[] = [];

  constructor(cluster: InMemoryCluster, topic: string) {
    this.#cluster = cluster;
    this.topic = topic;
  }

  /**
   * Hands every record appended since the last call to `onRecord`, partition by partition (each in offset
   * order). Returns how many there were. A topic that does not exist yet has nothing to hand over.
   */
  poll(onRecord: (record: ConsumedRecord) => void): number {
    if (!this.#cluster.hasTopic(this.topic)) return 0;
    let seen = 0;
    const partitions = this.#cluster.partitionsFor(this.topic);
    for (let p = 0; p < partitions; p++) {
      let offset = this.#positions[p] ?? 0n;
      const end = this.#cluster.endOffset(this.topic, p);
      while (offset < end) {
        const batch = this.#cluster.read(this.topic, p, offset, BATCH);
        for (const record of batch) onRecord(record);
        offset += BigInt(batch.length);
        seen += batch.length;
      }
      this.#positions[p] = offset;
    }
    return seen;
  }
}
