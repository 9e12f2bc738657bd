// Join co-partitioning: records with equal keys must land in the same task, so the topics feeding a join
// need equal partition counts. The topology records the groups; the runtime checks them before it starts.

import { TopologyError } from '../common/errors.ts';
import type { Topology } from './topology.ts';

/** Partition count of a topic as the topology names it (internal topics without the application-id prefix). */
export type PartitionsFor = (topic: string) => number;

/**
 * Throws a TopologyError naming the first two topics of a co-partition group whose partition counts differ.
 * Internal repartition topics whose count the topology leaves open should be sized first, see
 * `copartitionedRepartitionCounts`.
 */
export function validateCopartitioning(topology: Topology, partitionsFor: PartitionsFor): void {
  for (const group of topology.copartitionGroups()) {
    const topics = [...group].sort();
    const first = topics[0];
    const expected = partitionsFor(first);
    for (const topic of topics.slice(1)) {
      const count = partitionsFor(topic);
      if (count !== expected) {
        throw new TopologyError(
          `topics ${first} (${expected} partitions) and ${topic} (${count} partitions) are joined and must be ` +
            'co-partitioned: give them the same number of partitions, or repartition one side (KStream#repartition) ' +
            'to match the other',
        );
      }
    }
  }
}

/**
 * Kafka's rule for repartition topics that join other topics: a repartition topic without an explicit count gets
 * the largest count among the other topics of its co-partition group. Returns those counts by topic name; the
 * runtime creates the topics with them.
 */
export function copartitionedRepartitionCounts(topology: Topology, partitionsFor: PartitionsFor): Map<string, number> {
  const open = new Set(topology.internalTopics().filter((t) => t.numPartitions === undefined).map((t) => t.name));
  const counts = new Map<string, number>();
  for (const group of topology.copartitionGroups()) {
    const fixed = [...group].filter((topic) => !open.has(topic));
    if (fixed.length === 0) continue;
    const count = Math.max(...fixed.map(partitionsFor));
    for (const topic of group) if (open.has(topic)) counts.set(topic, Math.max(count, counts.get(topic) ?? 0));
  }
  return counts;
}
