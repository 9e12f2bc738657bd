// Makes a cluster hold the topics an application needs before it starts: creates the missing ones with their
// configs, refuses an existing topic whose partition count differs (that moves keys to other partitions), and
// fits the configs to what the cluster accepts. Self-managed Kafka takes any topic config; MSK Serverless
// refuses all but a few, so on it the others are dropped here, each one logged with the reason.

import { ConfigError, StreamsError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import { SaslMechanism } from './connection-env.ts';
import type { TopicAdmin, TopicSpec } from './ports.ts';

/** What kind of cluster the topics are created on, which decides the topic configs it accepts. */
export const ClusterProfile = {
  /** Self-managed Apache Kafka (or MSK provisioned): every topic config, as given. */
  KAFKA: 'kafka',
  /** Amazon MSK Serverless: only the keys in `mskServerlessTopicConfigKeys`. */
  MSK_SERVERLESS: 'msk-serverless',
} as const;
export type ClusterProfile = (typeof ClusterProfile)[keyof typeof ClusterProfile];

/**
 * The topic configs MSK Serverless lets a client set (AWS: "Configuration properties for MSK Serverless
 * clusters"); creating a topic with any other key fails the whole request.
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

export interface DroppedTopicConfig {
  readonly topic: string;
  readonly key: string;
  readonly value: string;
  readonly reason: string;
}

export interface FittedTopics {
  /** The specs as the cluster will take them. */
  readonly topics: readonly TopicSpec[];
  /** Every config left out, in plan order; the cluster's default applies instead. */
  readonly dropped: readonly DroppedTopicConfig[];
}

const MSK_SERVERLESS_REASON = `MSK Serverless accepts only ${[...mskServerlessTopicConfigKeys].join(', ')} as topic configs; the cluster's value applies`;

/** The one place topic configs are fitted to a cluster: nothing is dropped on `kafka`, and nothing unreported. */
export function fitTopicConfigs(plan: readonly TopicSpec[], profile: ClusterProfile): FittedTopics {
  if (profile === ClusterProfile.KAFKA) return { topics: plan, dropped: [] };
  const dropped: DroppedTopicConfig[] = [];
  const topics = plan.map((spec): TopicSpec => {
    if (spec.config === undefined) return spec;
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(spec.config)) {
      if (mskServerlessTopicConfigKeys.has(key)) config[key] = value;
      else dropped.push({ topic: spec.name, key, value, reason: MSK_SERVERLESS_REASON });
    }
    return { name: spec.name, partitions: spec.partitions, config };
  });
  return { topics, dropped };
}

/** `kafka` or `msk-serverless`, from a variable or flag; `source` names it in the error. */
export function parseClusterProfile(raw: string | undefined, source: string): ClusterProfile {
  if (raw === undefined || raw.trim() === '') return ClusterProfile.KAFKA;
  const profiles = Object.values(ClusterProfile) as string[];
  if (!profiles.includes(raw.trim())) throw new ConfigError(`${source}: must be one of ${profiles.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw.trim() as ClusterProfile;
}

/** The variable naming the profile: read by the deployment's topic task and by `risk-streams run --create-topics`. */
export const CLUSTER_PROFILE_ENV = 'TOPIC_CLUSTER_PROFILE';

/**
 * The profile to create topics with: TOPIC_CLUSTER_PROFILE when set, else `kafka`. MSK's IAM sign-in
 * (KAFKA_SASL_MECHANISM=AWS_MSK_IAM) does not decide it: provisioned MSK, which takes every config, signs in the
 * same way as MSK Serverless, which refuses most. So with it the variable is required rather than guessed.
 */
export function clusterProfileFromEnv(env: NodeJS.ProcessEnv): ClusterProfile {
  const raw = env[CLUSTER_PROFILE_ENV];
  if (raw !== undefined && raw.trim() !== '') return parseClusterProfile(raw, CLUSTER_PROFILE_ENV);
  if (env.KAFKA_SASL_MECHANISM?.trim() === SaslMechanism.AWS_MSK_IAM) {
    throw new ConfigError(
      `${CLUSTER_PROFILE_ENV}: required to create topics with KAFKA_SASL_MECHANISM=${SaslMechanism.AWS_MSK_IAM}. Set it to ` +
        `${ClusterProfile.MSK_SERVERLESS} on MSK Serverless (which refuses configs such as min.cleanable.dirty.ratio and segment.ms; ` +
        `they are dropped and logged) or to ${ClusterProfile.KAFKA} on provisioned MSK`,
    );
  }
  return ClusterProfile.KAFKA;
}

export interface EnsureTopicsOptions {
  /** Default `kafka`: the configs exactly as planned. */
  readonly profile?: ClusterProfile;
  /** Gets one warning per dropped config. */
  readonly logger?: Logger;
}

export interface EnsureTopicsResult {
  readonly created: readonly string[];
  readonly existing: readonly string[];
  readonly dropped: readonly DroppedTopicConfig[];
}

/**
 * 1. fit the configs to the cluster, logging each one dropped
 * 2. read which topics exist and their partition counts
 * 3. refuse if an existing topic's count differs from the plan
 * 4. create the missing topics with the plan's counts and the fitted configs
 * 5. read the counts again: a topic created concurrently by someone else must match too
 */
export async function ensureTopics(admin: TopicAdmin, plan: readonly TopicSpec[], options: EnsureTopicsOptions = {}): Promise<EnsureTopicsResult> {
  const { topics, dropped } = fitTopicConfigs(plan, options.profile ?? ClusterProfile.KAFKA);
  for (const d of dropped) options.logger?.warn({ topic: d.topic, key: d.key, value: d.value, reason: d.reason }, 'topic config dropped');
  const names = topics.map((t) => t.name);
  const before = await admin.partitionCounts(names);
  checkCounts(topics, before);
  const missing = topics.filter((t) => !before.has(t.name));
  if (missing.length > 0) await admin.createTopics(missing);
  const after = await admin.partitionCounts(names);
  const absent = names.filter((n) => !after.has(n));
  if (absent.length > 0) {
    throw new StreamsError('STREAMS_TOPICS_MISSING', `topics ${absent.join(', ')} still do not exist after creation: check the client may create them (kafka-cluster:CreateTopic on MSK)`);
  }
  checkCounts(topics, after);
  return { created: missing.map((t) => t.name), existing: names.filter((n) => before.has(n)), dropped };
}

function checkCounts(plan: readonly TopicSpec[], counts: ReadonlyMap<string, number>): void {
  const wrong = plan.filter((t) => counts.has(t.name) && counts.get(t.name) !== t.partitions);
  if (wrong.length === 0) return;
  const detail = wrong.map((t) => `${t.name} has ${counts.get(t.name)}, the plan wants ${t.partitions}`).join('; ');
  throw new StreamsError(
    'STREAMS_TOPIC_PARTITIONS',
    `${detail}. Changing a topic's partition count moves keys between partitions and breaks the apps' state: ` +
      'plan the existing counts, or migrate to a new topic version',
  );
}
