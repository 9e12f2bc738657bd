// The contract's topics as the cluster gets them: partition counts from the deployment's config and the
// contract's topic configs, less the ones MSK Serverless refuses (reported, never silently lost).

import { topicConfigs, Topics, type TopicName } from '../apps/schemas/topics.ts';
import type { TopicSpec } from '../runtime/kafka/index.ts';

export const contractTopics: readonly TopicName[] = Object.values(Topics);

/**
 * Seeds 000 and 001 give three partitions per topic; `betas.v1` gets three too rather than seed 001's one,
 * because margin joins betas with prices by symbol and joined topics must be co-partitioned.
 */
export const defaultPartitions: Readonly<Record<TopicName, number>> = Object.fromEntries(contractTopics.map((t) => [t, 3])) as Record<TopicName, number>;

/**
 * The topic configs MSK Serverless lets a client set (AWS: "Configuration properties for MSK Serverless
 * clusters"); creating a topic with any other key fails. `cleanup.policy` is accepted only at creation.
 */
export const mskServerlessTopicConfigKeys: ReadonlySet<string> = new Set([
  'cleanup.policy',
  'compression.type',
  'max.message.bytes',
  'message.timestamp.difference.max.ms',
  'message.timestamp.type',
  'retention.bytes',
  'retention.ms',
]);

export interface UnsupportedTopicConfig {
  readonly topic: TopicName;
  readonly key: string;
  readonly value: string;
}

export interface TopicPlan {
  readonly topics: readonly TopicSpec[];
  /** Contract configs the cluster cannot take: the deployment warns about each one. */
  readonly unsupported: readonly UnsupportedTopicConfig[];
}

export function topicPlan(partitions: Readonly<Record<TopicName, number>>, allowedKeys: ReadonlySet<string> = mskServerlessTopicConfigKeys): TopicPlan {
  const unsupported: UnsupportedTopicConfig[] = [];
  const topics = contractTopics.map((topic): TopicSpec => {
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(topicConfigs[topic] ?? {})) {
      if (allowedKeys.has(key)) config[key] = value;
      else unsupported.push({ topic, key, value });
    }
    return Object.keys(config).length === 0 ? { name: topic, partitions: partitions[topic] } : { name: topic, partitions: partitions[topic], config };
  });
  return { topics, unsupported };
}
