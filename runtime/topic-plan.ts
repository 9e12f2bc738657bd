// Partition counts for every topic a topology reads, shared by the embedded and the Kafka runtime.
// User topics have theirs; repartition topics take a fixed count, else the count of the topics they are
// co-partitioned with (joins), else the largest count among the inputs of the sub-topologies that write them.
// Foreign-key joins make writers and readers form cycles, so counts are found by iterating to a fixpoint.

import { TopologyError } from '../common/errors.ts';
import type { Topology } from '../topology/topology.ts';

export interface PartitionPlan {
  /** By topic name as the topology has it (internal topics without the application-id prefix). */
  readonly topics: ReadonlyMap<string, number>;
  /** Tasks per sub-topology. */
  readonly subtopologies: ReadonlyMap<number, number>;
}

/** `userTopicPartitions` returns a user topic's count (it may create the topic, or throw when it is missing). */
export function planPartitions(topology: Topology, userTopicPartitions: (topic: string) => number, defaultPartitions: number): PartitionPlan {
  const subtopologies = topology.subtopologies();
  const internal = new Map(topology.internalTopics().map((t) => [t.name, t]));
  const counts = new Map<string, number>();
  const allSources = new Set(subtopologies.flatMap((s) => s.sourceTopics));
  for (const topic of allSources) {
    if (!internal.has(topic)) counts.set(topic, userTopicPartitions(topic));
  }
  for (const t of internal.values()) if (t.numPartitions !== undefined) counts.set(t.name, t.numPartitions);

  const groups = topology.copartitionGroups().map((g) => [...g]);
  for (let changed = true; changed; ) {
    changed = false;
    for (const group of groups) {
      const known = group.filter((t) => counts.has(t)).map((t) => counts.get(t)!);
      if (known.length === 0) continue;
      const n = Math.max(...known);
      for (const t of group) {
        if (!counts.has(t) && internal.has(t)) {
          counts.set(t, n);
          changed = true;
        }
      }
    }
    for (const t of internal.keys()) {
      if (counts.has(t)) continue;
      const inputs = subtopologies
        .filter((s) => s.sinkTopics.includes(t))
        .flatMap((s) => s.sourceTopics)
        .filter((source) => counts.has(source))
        .map((source) => counts.get(source)!);
      if (inputs.length > 0) {
        counts.set(t, Math.max(...inputs));
        changed = true;
      }
    }
  }
  for (const t of internal.keys()) if (!counts.has(t)) counts.set(t, defaultPartitions);

  for (const group of groups) {
    const sizes = group.map((t) => [t, counts.get(t)!] as const);
    if (new Set(sizes.map(([, n]) => n)).size > 1) {
      throw new TopologyError(
        `topics joined together must have the same number of partitions: ${sizes.map(([t, n]) => `${t} (${n})`).join(', ')}`,
      );
    }
  }
  const perSubtopology = new Map<number, number>();
  for (const sub of subtopologies) {
    const sizes = sub.sourceTopics.map((t) => counts.get(t)!);
    if (new Set(sizes).size > 1 && sub.stores.length > 0) {
      const detail = sub.sourceTopics.map((t, i) => `${t} (${sizes[i]})`).join(', ');
      throw new TopologyError(`sub-topology ${sub.id} joins or aggregates topics that are not co-partitioned: ${detail}`);
    }
    perSubtopology.set(sub.id, Math.max(...sizes));
  }
  return { topics: counts, subtopologies: perSubtopology };
}
