// `risk-streams run <app>`: one risk app live on Kafka, as a deployed service runs it (deploy/README.md). Brokers
// from --brokers or KAFKA_BROKERS (Amazon MSK's IAM sign-in with KAFKA_SASL_MECHANISM=AWS_MSK_IAM), RocksDB
// stores under --state-dir or STATE_DIR, /health, /ready and /metrics on HEALTH_PORT, and on SIGTERM a close
// that commits what was processed within SHUTDOWN_TIMEOUT_MS.

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import type { ProcessingGuarantee } from '../../runtime/config.ts';
import { kafkaConnectionFromEnv, parseBrokers } from '../../runtime/kafka/connection-env.ts';
import { KafkaStreamsApp } from '../../runtime/kafka/kafka-streams-app.ts';
import { loadRiskConfig } from '../config.ts';
import { pinoLogger } from '../observability/logger.ts';
import { startObservabilityServer } from '../observability/server.ts';
import { type AppDefinition, appNamed, apps } from '../registry.ts';
import { appStreamsConfig } from '../streams-config.ts';
import { parseFlags, UsageError } from './commands.ts';
import { createContractTopics } from './kafka-pipeline.ts';

export interface RunSettings {
  readonly app: AppDefinition;
  /** The consumer group, prefix of internal topics and transactional ids. */
  readonly applicationId: string;
  /** From --brokers; empty means KAFKA_BROKERS. */
  readonly brokers: readonly string[];
  readonly configFile: string | undefined;
  readonly stateDir: string;
  /** Create the contract's topics that are missing, `partitions` each, before starting. */
  readonly createTopics: boolean;
  readonly partitions: number;
  readonly processingGuarantee: ProcessingGuarantee;
  /** The whole close — last commit, leaving the group, closing clients — must fit in this. */
  readonly shutdownTimeoutMs: number;
  /** null: no health endpoint. */
  readonly healthPort: number | null;
  readonly healthHost: string;
  /** Static group membership: a restart within the session timeout keeps the tasks without a rebalance. */
  readonly groupInstanceId: string | undefined;
}

export const defaultRunSettings = {
  partitions: 3,
  // The router promises one audit decision per order, so a crash must not repeat output: transactions.
  processingGuarantee: 'exactly_once_v2',
  shutdownTimeoutMs: 30_000,
  healthHost: '127.0.0.1',
} satisfies Partial<RunSettings>;

export const runUsage = `run <app> [--brokers host:port,…] [--config FILE] [--state-dir DIR] [--create-topics [--partitions N]]
           [--guarantee at_least_once|exactly_once_v2] [--health-port N] [--instance-id ID] [--application-id ID]
           apps: ${apps.map((a) => a.name).join(', ')}; env: KAFKA_BROKERS, KAFKA_SASL_MECHANISM=AWS_MSK_IAM (+ AWS_REGION),
           STATE_DIR, SHUTDOWN_TIMEOUT_MS, HEALTH_PORT, KAFKA_APPLICATION_ID, KAFKA_GROUP_INSTANCE_ID, PROCESSING_GUARANTEE, RISK_*`;

const FLAGS = {
  brokers: 'string',
  config: 'string',
  'state-dir': 'string',
  'create-topics': 'boolean',
  partitions: 'number',
  guarantee: 'string',
  'health-port': 'number',
  'instance-id': 'string',
  'application-id': 'string',
} as const;

function integer(value: string | number | undefined, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${what}: must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

/** Flags over environment over defaults; every value checked, the message naming flag or variable. */
export function runSettings(args: readonly string[], env: NodeJS.ProcessEnv): RunSettings {
  const [name, ...rest] = args;
  if (name === undefined || name.startsWith('--')) throw new UsageError(`run needs an app name: ${apps.map((a) => a.name).join(', ')}`);
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
  const healthPort = flags['health-port'] !== undefined ? integer(flags['health-port'] as number, '--health-port', 0, 65_535) : integer(env.HEALTH_PORT, 'HEALTH_PORT', 0, 65_535);
  const nonEmpty = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
  return {
    app,
    applicationId: nonEmpty(flags['application-id'] as string | undefined) ?? nonEmpty(env.KAFKA_APPLICATION_ID) ?? app.applicationId,
    brokers: typeof flags.brokers === 'string' ? parseBrokers(flags.brokers, '--brokers') : [],
    configFile: flags.config as string | undefined,
    stateDir: nonEmpty(flags['state-dir'] as string | undefined) ?? nonEmpty(env.STATE_DIR) ?? join(tmpdir(), 'risk-streams'),
    createTopics: flags['create-topics'] === true,
    partitions: integer(flags.partitions as number | undefined, '--partitions', 1) ?? defaultRunSettings.partitions,
    processingGuarantee: guarantee,
    shutdownTimeoutMs: integer(env.SHUTDOWN_TIMEOUT_MS, 'SHUTDOWN_TIMEOUT_MS', 1000) ?? defaultRunSettings.shutdownTimeoutMs,
    healthPort: healthPort ?? null,
    healthHost: nonEmpty(env.HEALTH_HOST) ?? defaultRunSettings.healthHost,
    groupInstanceId: nonEmpty(flags['instance-id'] as string | undefined) ?? nonEmpty(env.KAFKA_GROUP_INSTANCE_ID),
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
    const result = await createContractTopics(connection, settings.partitions);
    log.info({ created: result.created, existing: result.existing.length }, 'contract topics ready');
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

  const { promise: exited, resolve: exit } = Promise.withResolvers<number>();
  let shuttingDown: Promise<number> | null = null;
  const shutdown = (reason: string, failed = false): Promise<number> => {
    shuttingDown ??= (async () => {
      const started = performance.now();
      log.info({ reason, timeoutMs: settings.shutdownTimeoutMs }, 'shutting down');
      // The health server stays up while closing (ECS reads it); it gets a small slice of the budget at the end.
      const closed = await streams.close({ timeoutMs: Math.max(500, settings.shutdownTimeoutMs - 1000) });
      await health?.close().catch(() => {});
      const code = failed || !closed || streams.error !== null ? 1 : 0;
      log.info({ reason, closed, code, ms: Math.round(performance.now() - started) }, 'shut down');
      exit(code);
      return code;
    })();
    return shuttingDown;
  };
  streams.onError(() => void shutdown('the app failed', true));
  if (options.handleSignals !== false) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void shutdown(signal));
  }
  try {
    await streams.start();
  } catch (error) {
    log.error({ err: error instanceof Error ? error.message : String(error) }, 'start failed');
    await shutdown('start failed', true);
  }
  return { streams, healthUrl: health?.url ?? null, exited, shutdown: (reason) => shutdown(reason) };
}

/** The CLI command: resolves with the exit code once the app has stopped. */
export async function runCommand(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const settings = runSettings(args, env);
  return (await runApp(settings, env)).exited;
}
