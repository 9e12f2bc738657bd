// The live Kafka runtime: KafkaStreamsApp and what configuring it needs. Only kafka-adapter.ts, behind
// these exports, knows the client library.

export { KafkaStreamsApp, StreamsState, defaultKafkaStreamsOptions, type KafkaStreamsOptions } from './kafka-streams-app.ts';
export { clusterReady, PlatformaticKafkaFactory, type KafkaConnectionOptions, type KafkaSaslOptions, type KafkaTlsOptions } from './kafka-adapter.ts';
export type { KafkaClientFactory, TopicSpec } from './ports.ts';
export { kafkaConnectionFromEnv, mskIamTokenProvider, parseBrokers, SaslMechanism, type MskTokenSigner } from './connection-env.ts';
