// The contract's topics as the deployment provisions them: partition counts from the deployment's config, the
// contract's topic configs as written, and the cluster profile the topic task fits them to (MSK Serverless
// refuses some; runtime/kafka/topic-provisioning.ts drops and reports those, never silently).

import { topicConfigs, Topics, type TopicName } from '../apps/schemas/topics.ts';
import type { TopicSpec } from '../runtime/kafka/index.ts';
import { ClusterProfile, type DroppedTopicConfig, fitTopicConfigs } from '../runtime/kafka/topic-provisioning.ts';

export const contractTopics: readonly TopicName[] = Object.values(Topics);

/**
 * Seeds 000 and 001 give three partitions per topic; `betas.v1` gets three too rather than seed 001's one,
 * because margin joins betas with prices by symbol and joined topics must be co-partitioned.
 */
export const defaultPartitions: Readonly<Record<TopicName, number>> = Object.fromEntries(contractTopics.map((t) => [t, 3])) as Record<TopicName, number>;

export interface TopicPlan {
  /** Every contract topic with the contract's configs: what the topic task receives (TOPIC_PLAN). */
  readonly topics: readonly TopicSpec[];
  /** The cluster the task creates them on (TOPIC_CLUSTER_PROFILE). */
  readonly profile: ClusterProfile;
  /** What the task will drop there, by the same filter: the synth warns about each one. */
  readonly dropped: readonly DroppedTopicConfig[];
}

export function topicPlan(partitions: Readonly<Record<TopicName, number>>, profile: ClusterProfile = ClusterProfile.MSK_SERVERLESS): TopicPlan {
  const topics = contractTopics.map((topic): TopicSpec => {
    const config = topicConfigs[topic];
    return config === undefined ? { name: topic, partitions: partitions[topic] } : { name: topic, partitions: partitions[topic], config: { ...config } };
  });
  return { topics, profile, dropped: fitTopicConfigs(topics, profile).dropped };
}
