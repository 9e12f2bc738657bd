// `risk-streams run <app>`: one risk app live on Kafka, as a deployed service runs it (deploy/README.md). Brokers
// from --brokers or KAFKA_BROKERS (Amazon MSK's IAM sign-in with KAFKA_SASL_MECHANISM=AWS_MSK_IAM), RocksDB
// stores under --state-dir or STATE_DIR, /health, /ready and /metrics on HEALTH_PORT, and on SIGTERM a close
// that commits what was processed within SHUTDOWN_TIMEOUT_MS. `run generator` and `run console` start the
// deployment's two other services (run-generator.ts, run-console.ts).

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import type { ProcessingGuarantee } from '../../runtime/config.ts';
import { kafkaConnectionFromEnv } from '../../runtime/kafka/connection-env.ts';
import { KafkaStreamsApp } from '../../runtime/kafka/kafka-streams-app.ts';
import { type ClusterProfile, clusterProfileFromEnv } from '../../runtime/kafka/topic-provisioning.ts';
import { loadRiskConfig } from '../config.ts';
import { pinoLogger } from '../observability/logger.ts';
import { startObservabilityServer } from '../observability/server.ts';
import { type AppDefinition, appNamed, apps } from '../registry.ts';
import { appStreamsConfig } from '../streams-config.ts';
import { parseFlags, UsageError } from './commands.ts';
import { createContractTopics } from './kafka-pipeline.ts';
import { consoleRunSettings, consoleUsage, runConsole } from './run-console.ts';
import { generatorRunSettings, generatorUsage, runGenerator } from './run-generator.ts';
import {
  defaultServiceSettings,
  type HealthSettings,
  healthFlags,
  healthSettings,
  integer,
  nonEmpty,
  type ServiceSettings,
  serviceFlags,
  serviceSettings,
  shutdownLifecycle,
} from './run-service.ts';

/** `applicationId` is the consumer group, and the prefix of internal topics and transactional ids. */
export interface RunSettings extends ServiceSettings, HealthSettings {
  readonly app: AppDefinition;
  readonly configFile: string | undefined;
  readonly stateDir: string;
  /** Create the contract's topics that are missing, `partitions` each, before starting. */
  readonly createTopics: boolean;
  readonly partitions: number;
  /**
   * The configs the topics get (TOPIC_CLUSTER_PROFILE, as the deployment's topic task reads it); resolved only
   * with `createTopics`, else null.
   */
  readonly topicProfile: ClusterProfile | null;
  readonly processingGuarantee: ProcessingGuarantee;
  /** Static group membership: a restart within the session timeout keeps the tasks without a rebalance. */
  readonly groupInstanceId: string | undefined;
}

export const defaultRunSettings = {
  ...defaultServiceSettings,
  partitions: 3,
  // The router promises one audit decision per order, so a crash must not repeat output: transactions.
  processingGuarantee: 'exactly_once_v2',
} satisfies Partial<RunSettings>;

/** The processes `run` starts besides the streams apps. */
const SERVICES = ['generator', 'console'] as const;

export const runUsage = `run <app> [--brokers host:port,…] [--config FILE] [--state-dir DIR] [--create-topics [--partitions N]]
           [--guarantee at_least_once|exactly_once_v2] [--health-port N] [--instance-id ID] [--application-id ID]
           apps: ${apps.map((a) => a.name).join(', ')}; env: KAFKA_BROKERS, KAFKA_SASL_MECHANISM=AWS_MSK_IAM (+ AWS_REGION),
           STATE_DIR, SHUTDOWN_TIMEOUT_MS, HEALTH_PORT, KAFKA_APPLICATION_ID, KAFKA_GROUP_INSTANCE_ID, PROCESSING_GUARANTEE, RISK_*,
           TOPIC_CLUSTER_PROFILE=kafka|msk-serverless with --create-topics (required with AWS_MSK_IAM)
  ${generatorUsage}
  ${consoleUsage}`;

const FLAGS = {
  ...serviceFlags,
  ...healthFlags,
  config: 'string',
  'state-dir': 'string',
  'create-topics': 'boolean',
  partitions: 'number',
  guarantee: 'string',
  'instance-id': 'string',
} as const;

/** Flags over environment over defaults; every value checked, the message naming flag or variable. */
export function runSettings(args: readonly string[], env: NodeJS.ProcessEnv): RunSettings {
  const [name, ...rest] = args;
  if (name === undefined || name.startsWith('--')) throw new UsageError(`run needs an app name: ${[...apps.map((a) => a.name), ...SERVICES].join(', ')}`);
  let app: AppDefinition;
  try {
    app = appNamed(name);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const flags = parseFlags(rest, FLAGS);
  const guarantee = (flags.guarantee as string | undefined) ?? env.PROCESSING_GUARANTEE ?? defaultRunSettings.processingGuarantee;
  if (guarantee !== 'at_least_once' && guarantee !== 'exactly_once_v2') {
    throw new ConfigError(`${flags.guarantee !== undefined ? '--guarantee' : 'PROCESSING_GUARANTEE'}: must be at_least_once or exactly_once_v2, got ${JSON.stringify(guarantee)}`);
  }
  const createTopics = flags['create-topics'] === true;
  return {
    app,
    ...serviceSettings(flags, env, app.applicationId),
    ...healthSettings(flags, env),
    configFile: flags.config as string | undefined,
    stateDir: nonEmpty(flags['state-dir']) ?? nonEmpty(env.STATE_DIR) ?? join(tmpdir(), 'risk-streams'),
    createTopics,
    partitions: integer(flags.partitions as number | undefined, '--partitions', 1) ?? defaultRunSettings.partitions,
    topicProfile: createTopics ? clusterProfileFromEnv(env) : null,
    processingGuarantee: guarantee,
    groupInstanceId: nonEmpty(flags['instance-id']) ?? nonEmpty(env.KAFKA_GROUP_INSTANCE_ID),
  };
}

/** A running app; `exited` resolves with the process's exit code once it has shut down. */
export interface RunningApp {
  readonly streams: KafkaStreamsApp;
  readonly healthUrl: string | null;
  readonly exited: Promise<number>;
  /** What SIGTERM does: close within the shutdown timeout. */
  shutdown(reason: string): Promise<number>;
}

/**
 * Starts the app and its health endpoint. Shuts down (exit 0) on SIGTERM or SIGINT when `handleSignals`, or
 * with exit 1 when the app fails or does not close in time.
 */
export async function runApp(settings: RunSettings, env: NodeJS.ProcessEnv, options: { logger?: Logger; handleSignals?: boolean } = {}): Promise<RunningApp> {
  const log = options.logger ?? pinoLogger({ app: settings.app.name });
  const config = loadRiskConfig(settings.configFile, env);
  const connection = await kafkaConnectionFromEnv(env, { brokers: settings.brokers, clientId: settings.applicationId });
  if (settings.createTopics) {
    const profile = settings.topicProfile ?? clusterProfileFromEnv(env);
    const result = await createContractTopics(connection, settings.partitions, { profile, logger: log });
    log.info({ profile, created: result.created, existing: result.existing.length, dropped: result.dropped.length }, 'contract topics ready');
  }
  const topology = settings.app.build(config, { storeType: 'rocksdb' });
  const streams = new KafkaStreamsApp(
    topology,
    appStreamsConfig(settings.applicationId, {
      // Every update is emitted when it happens, as the contract's topics promise (and the replay does).
      cacheMaxBytes: 0,
      stateDir: settings.stateDir,
      processingGuarantee: settings.processingGuarantee,
      logger: log,
    }),
    {
      ...connection,
      shutdownOnSignals: false,
      ...(settings.groupInstanceId === undefined ? {} : { groupInstanceId: settings.groupInstanceId }),
    },
  );
  const health =
    settings.healthPort === null
      ? null
      : await startObservabilityServer({ observed: { name: settings.app.name, app: streams, topology }, port: settings.healthPort, host: settings.healthHost, logger: log });

  const { exited, shutdown } = shutdownLifecycle(
    log,
    settings.shutdownTimeoutMs,
    async () => {
      // The health server stays up while closing (ECS reads it); it gets a small slice of the budget at the end.
      const closed = await streams.close({ timeoutMs: Math.max(500, settings.shutdownTimeoutMs - 1000) });
      await health?.close().catch(() => {});
      return closed && streams.error === null;
    },
    options.handleSignals !== false,
  );
  streams.onError(() => void shutdown('the app failed', true));
  try {
    await streams.start();
  } catch (error) {
    log.error({ err: error instanceof Error ? error.message : String(error) }, 'start failed');
    await shutdown('start failed', true);
  }
  return { streams, healthUrl: health?.url ?? null, exited, shutdown: (reason) => shutdown(reason) };
}

/** The CLI command: resolves with the exit code once the app (or the generator, or the console) has stopped. */
export async function runCommand(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...rest] = args;
  if (name === 'generator') return (await runGenerator(generatorRunSettings(rest, env), env)).exited;
  if (name === 'console') return (await runConsole(consoleRunSettings(rest, env), env)).exited;
  return (await runApp(runSettings(args, env), env)).exited;
}
