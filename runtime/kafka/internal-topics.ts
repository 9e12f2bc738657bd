// Plans the topics a topology needs on a real cluster, as the embedded runtime does in memory: each
// sub-topology runs as many tasks as its source topics have partitions, repartition topics take the count
// of the sub-topology that writes them (unless the topology fixes one), changelogs one partition per task,
// compacted.

import { StreamsError } from '../../common/errors.ts';
import { planPartitions } from '../topic-plan.ts';
import type { Subtopology, Topology } from '../../topology/topology.ts';
import type { TopicSpec } from './ports.ts';

export interface SubtopologyLayout {
  readonly subtopology: Subtopology;
  /** Real source topic names (internal ones prefixed with the application id). */
  readonly sourceTopics: readonly string[];
  readonly partitions: number;
}

export interface TopicPlan {
  readonly subtopologies: readonly SubtopologyLayout[];
  /** Repartition and changelog topics, to create if missing. */
  readonly internalTopics: readonly TopicSpec[];
  /** Every real source topic of every task (what the group subscribes to). */
  readonly sourceTopics: readonly string[];
}

export const changelogTopic = (applicationId: string, store: string): string => `${applicationId}-${store}-changelog`;

export function resolveTopicName(topology: Topology, applicationId: string, topic: string): string {
  return topology.isInternalTopic(topic) ? `${applicationId}-${topic}` : topic;
}

/**
 * `existing` holds the partition counts of the user's topics. Fails with STREAMS_MISSING_SOURCE_TOPIC
 * when a source topic does not exist (Kafka Streams does not create user topics), and with a
 * TopologyError when topics that must be co-partitioned differ.
 */
export function planTopics(topology: Topology, applicationId: string, existing: ReadonlyMap<string, number>, defaultPartitions: number): TopicPlan {
  const subtopologies = topology.subtopologies();
  const resolve = (t: string) => resolveTopicName(topology, applicationId, t);
  const plan = planPartitions(
    topology,
    (topic) => {
      const n = existing.get(topic);
      if (n === undefined) throw new StreamsError('STREAMS_MISSING_SOURCE_TOPIC', `source topic ${topic} does not exist: create it before starting the application`);
      return n;
    },
    defaultPartitions,
  );
  const layouts = subtopologies.map((sub) => ({ subtopology: sub, sourceTopics: sub.sourceTopics.map(resolve), partitions: plan.subtopologies.get(sub.id)! }));
  const repartitionCounts = new Map(topology.internalTopics().map((t) => [t.name, plan.topics.get(t.name)!]));

  const internalTopics: TopicSpec[] = [];
  for (const [name, partitions] of repartitionCounts) {
    // Kafka Streams' repartition topics: deletion by time, kept until consumed (we do not purge them yet).
    internalTopics.push({ name: resolve(name), partitions, config: { 'cleanup.policy': 'delete' } });
  }
  for (const layout of layouts) {
    for (const store of layout.subtopology.stores) {
      const builder = topology.stateStore(store)!;
      if (!builder.loggingEnabled) continue;
      internalTopics.push({
        name: changelogTopic(applicationId, store),
        partitions: layout.partitions,
        config: { 'cleanup.policy': 'compact', ...builder.logConfig },
      });
    }
  }
  return { subtopologies: layouts, internalTopics, sourceTopics: [...new Set(layouts.flatMap((l) => l.sourceTopics))] };
}
