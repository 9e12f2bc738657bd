// Makes the cluster hold the contract's topics before any app starts: creates the missing ones and refuses
// to go on when an existing topic has another partition count, since that moves keys to other partitions.

import { StreamsError } from '../../common/errors.ts';
import type { TopicSpec } from '../../runtime/kafka/index.ts';
import type { TopicAdmin } from '../../runtime/kafka/ports.ts';

export interface EnsureTopicsResult {
  readonly created: readonly string[];
  readonly existing: readonly string[];
}

/**
 * 1. read which topics exist and their partition counts
 * 2. refuse if an existing topic's count differs from the plan
 * 3. create the missing topics with the plan's counts and configs
 * 4. read the counts again: a topic created concurrently by someone else must match too
 */
export async function ensureTopics(admin: TopicAdmin, plan: readonly TopicSpec[]): Promise<EnsureTopicsResult> {
  const names = plan.map((t) => t.name);
  const before = await admin.partitionCounts(names);
  checkCounts(plan, before);
  const missing = plan.filter((t) => !before.has(t.name));
  if (missing.length > 0) await admin.createTopics(missing);
  const after = await admin.partitionCounts(names);
  const absent = names.filter((n) => !after.has(n));
  if (absent.length > 0) {
    throw new StreamsError('DEPLOY_TOPICS_MISSING', `topics ${absent.join(', ')} still do not exist after creation: check the task role may kafka-cluster:CreateTopic on them`);
  }
  checkCounts(plan, after);
  return { created: missing.map((t) => t.name), existing: names.filter((n) => before.has(n)) };
}

function checkCounts(plan: readonly TopicSpec[], counts: ReadonlyMap<string, number>): void {
  const wrong = plan.filter((t) => counts.has(t.name) && counts.get(t.name) !== t.partitions);
  if (wrong.length === 0) return;
  const detail = wrong.map((t) => `${t.name} has ${counts.get(t.name)}, the deployment wants ${t.partitions}`).join('; ');
  throw new StreamsError(
    'DEPLOY_TOPIC_PARTITIONS',
    `${detail}. Changing a topic's partition count moves keys between partitions and breaks the apps' state: ` +
      'set the deployment\'s partitions to the existing counts, or migrate to a new topic version',
  );
}

/** The plan as the deployment hands it to the task (the TOPIC_PLAN variable), checked before use. */
export function parseTopicPlan(raw: string | undefined): TopicSpec[] {
  if (raw === undefined || raw.trim() === '') throw new StreamsError('STREAMS_CONFIG', 'TOPIC_PLAN is not set: the deployment passes the topics to create as JSON');
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new StreamsError('STREAMS_CONFIG', `TOPIC_PLAN is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(value)) throw new StreamsError('STREAMS_CONFIG', 'TOPIC_PLAN must be a JSON array of {name, partitions, config?}');
  return value.map((t: unknown, i) => {
    const spec = t as Partial<TopicSpec>;
    if (typeof spec.name !== 'string' || spec.name === '') throw new StreamsError('STREAMS_CONFIG', `TOPIC_PLAN/${i}/name must be a topic name`);
    if (!Number.isInteger(spec.partitions) || (spec.partitions as number) < 1) throw new StreamsError('STREAMS_CONFIG', `TOPIC_PLAN/${i}/partitions must be a positive integer`);
    const config = spec.config ?? {};
    for (const [k, v] of Object.entries(config)) if (typeof v !== 'string') throw new StreamsError('STREAMS_CONFIG', `TOPIC_PLAN/${i}/config/${k} must be a string`);
    return { name: spec.name, partitions: spec.partitions as number, config };
  });
}
