// What the deployment hands the topic task: the contract's topics as JSON (TOPIC_PLAN) and the kind of cluster
// they go on (TOPIC_CLUSTER_PROFILE), checked before anything touches the cluster.

import { StreamsError } from '../../common/errors.ts';
import type { TopicSpec } from '../../runtime/kafka/index.ts';

/** The plan as the deployment passes it, checked; configs are kept as written (the task fits them). */
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
