// The one-off task the deployment runs before the apps start: creates the contract's topics on the cluster.
//   KAFKA_BROKERS=… TOPIC_PLAN='[{"name":"orders.v1","partitions":3}]' [TOPIC_CLUSTER_PROFILE=msk-serverless] \
//     node deploy/provision/main.ts
// The connection is the apps' own (KAFKA_SASL_MECHANISM=AWS_MSK_IAM signs in with the task role); on MSK
// Serverless the configs it refuses are dropped and each one is logged.

import { pinoLogger } from '../../apps/observability/logger.ts';
import { kafkaConnectionFromEnv, PlatformaticKafkaFactory } from '../../runtime/kafka/index.ts';
import { clusterProfileFromEnv, ensureTopics } from '../../runtime/kafka/topic-provisioning.ts';
import { parseTopicPlan } from './topic-plan.ts';

const log = pinoLogger({ app: 'topics' });
const plan = parseTopicPlan(process.env.TOPIC_PLAN);
// The same selection as `risk-streams run --create-topics`; the stack always sets the variable.
const profile = clusterProfileFromEnv(process.env);
const admin = new PlatformaticKafkaFactory(await kafkaConnectionFromEnv(process.env, { clientId: 'risk-streams-topics' })).admin();
try {
  const result = await ensureTopics(admin, plan, { profile, logger: log });
  log.info({ profile, created: result.created, existing: result.existing, dropped: result.dropped.length }, 'topics ready');
} finally {
  await admin.close();
}
