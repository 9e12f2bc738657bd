// The one-off task the deployment runs before the apps start: creates the contract's topics on the cluster.
//   KAFKA_BROKERS=… TOPIC_PLAN='[{"name":"orders.v1","partitions":3}]' node deploy/provision/main.ts
// With KAFKA_SASL_MECHANISM=AWS_MSK_IAM it signs in with the task role, as the apps do.

import { StreamsError } from '../../common/errors.ts';
import { PlatformaticKafkaFactory, type KafkaConnectionOptions } from '../../runtime/kafka/index.ts';
import { ensureTopics, parseTopicPlan } from './ensure-topics.ts';

// Loaded by name: the signer is a dependency of the live runtime, not of the library.
const MSK_IAM_SIGNER = 'aws-msk-iam-sasl-signer-js';

async function connection(env: NodeJS.ProcessEnv): Promise<KafkaConnectionOptions> {
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter((b) => b !== '');
  if (brokers.length === 0) throw new StreamsError('STREAMS_CONFIG', 'KAFKA_BROKERS is not set: give host:port of one or more brokers, comma-separated');
  const base = { brokers, clientId: 'risk-streams-topics' };
  if (env.KAFKA_SASL_MECHANISM === undefined || env.KAFKA_SASL_MECHANISM === '') return base;
  if (env.KAFKA_SASL_MECHANISM !== 'AWS_MSK_IAM') throw new StreamsError('STREAMS_CONFIG', `KAFKA_SASL_MECHANISM must be AWS_MSK_IAM or unset, got ${env.KAFKA_SASL_MECHANISM}`);
  const region = env.AWS_REGION;
  if (region === undefined) throw new StreamsError('STREAMS_CONFIG', 'AWS_REGION is not set: MSK IAM tokens are signed for a region');
  let signer: { generateAuthToken(options: { region: string }): Promise<{ token: string }> };
  try {
    signer = await import(MSK_IAM_SIGNER);
  } catch (error) {
    throw new StreamsError('STREAMS_CONFIG', `KAFKA_SASL_MECHANISM=AWS_MSK_IAM needs the ${MSK_IAM_SIGNER} package in the image`, { cause: error });
  }
  // The token is asked for on every connection, so a long task never uses an expired one.
  return { ...base, tls: {}, sasl: { mechanism: 'OAUTHBEARER', token: async () => (await signer.generateAuthToken({ region })).token } };
}

const plan = parseTopicPlan(process.env.TOPIC_PLAN);
const admin = new PlatformaticKafkaFactory(await connection(process.env)).admin();
try {
  const result = await ensureTopics(admin, plan);
  process.stdout.write(`${JSON.stringify({ msg: 'topics ready', created: result.created, existing: result.existing })}\n`);
} finally {
  await admin.close();
}
