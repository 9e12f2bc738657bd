// `risk-streams run generator`: the scenario generator as a live source on Kafka (apps/generator/live.ts) —
// orders, fills, prices, betas and cash produced as their time comes, partitioned like the Java client, with
// /health and /metrics on HEALTH_PORT, and on SIGTERM a close that waits for what is being sent.

import { Counter, collectDefaultMetrics, Registry } from 'prom-client';
import { ConfigError } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import { type Clock, systemClock } from '../../common/time.ts';
import { kafkaConnectionFromEnv } from '../../runtime/kafka/connection-env.ts';
import { PlatformaticKafkaFactory } from '../../runtime/kafka/kafka-adapter.ts';
import type { OutgoingRecord } from '../../runtime/kafka/ports.ts';
import { RecordPartitioner } from '../../runtime/record-partitioner.ts';
import { type DueRecord, type LiveGeneratorSettings, LiveScenario, liveGeneratorTopics, loadLiveGeneratorSettings } from '../generator/live.ts';
import { pinoLogger } from '../observability/logger.ts';
import { startHealthServer } from '../observability/server.ts';
import { parseFlags } from './commands.ts';
import { type HealthSettings, healthFlags, healthSettings, type ServiceSettings, serviceFlags, serviceSettings, shutdownLifecycle } from './run-service.ts';

export interface GeneratorRunSettings extends ServiceSettings, HealthSettings {
  readonly generator: LiveGeneratorSettings;
  /** How often due records are looked for and sent. */
  readonly tickMs: number;
}

export const generatorUsage = `run generator [--brokers host:port,…] [--rate N] [--config FILE] [--health-port N]
           orders, fills, prices, betas and cash live, N orders a second; FILE: JSON of ordersPerSecond, accounts,
           breachingAccounts, marginAccounts, sessionMinutes, seed`;

const FLAGS = { ...serviceFlags, ...healthFlags, rate: 'number', config: 'string' } as const;

export function generatorRunSettings(args: readonly string[], env: NodeJS.ProcessEnv): GeneratorRunSettings {
  const flags = parseFlags(args, FLAGS);
  const rate = flags.rate as number | undefined;
  return {
    ...serviceSettings(flags, env, 'generator'),
    ...healthSettings(flags, env),
    generator: loadLiveGeneratorSettings(flags.config as string | undefined, rate === undefined ? {} : { ordersPerSecond: rate }),
    tickMs: 100,
  };
}

export interface RunningGenerator {
  readonly healthUrl: string | null;
  readonly exited: Promise<number>;
  /** Records acknowledged by the brokers so far. */
  readonly produced: number;
  shutdown(reason: string): Promise<number>;
}

/**
 * Sends the due records every tick until SIGTERM (exit 0 once what is in flight is acknowledged and the producer
 * closed) or a failed send (exit 1: the producer retried for about 25 s already, so the broker is gone).
 */
export async function runGenerator(
  settings: GeneratorRunSettings,
  env: NodeJS.ProcessEnv,
  options: { logger?: Logger; handleSignals?: boolean; clock?: Clock } = {},
): Promise<RunningGenerator> {
  const log = options.logger ?? pinoLogger({ app: 'generator' });
  const clock = options.clock ?? systemClock;
  const factory = new PlatformaticKafkaFactory(await kafkaConnectionFromEnv(env, { brokers: settings.brokers, clientId: settings.applicationId }));
  const admin = factory.admin();
  let partitions: Map<string, number>;
  try {
    partitions = await admin.partitionCounts(liveGeneratorTopics);
  } finally {
    await admin.close();
  }
  const missing = liveGeneratorTopics.filter((t) => !partitions.has(t));
  if (missing.length > 0) {
    throw new ConfigError(`topics ${missing.join(', ')} do not exist: create the contract's topics first (the deployment's topic task, or risk-streams run <app> --create-topics)`);
  }

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const producedTotal = new Counter({ name: 'generator_records_produced_total', help: 'Records the brokers acknowledged, by topic.', labelNames: ['topic'], registers: [registry] });
  let failure: unknown = null;
  const health =
    settings.healthPort === null
      ? null
      : await startHealthServer({ name: 'generator', healthy: () => failure === null, registry, port: settings.healthPort, host: settings.healthHost, logger: log });

  const producer = factory.producer();
  const partitioner = new RecordPartitioner();
  const feed = new LiveScenario(settings.generator, clock.now());
  const encode = ({ topic, record }: DueRecord): OutgoingRecord => {
    const key = record.key === null ? null : Buffer.from(record.key, 'utf8');
    return {
      topic,
      partition: partitioner.partition(topic, key, partitions.get(topic)!),
      key,
      value: record.value === null ? null : Buffer.from(JSON.stringify(record.value), 'utf8'),
      timestamp: record.timestamp,
      headers: {},
    };
  };

  let produced = 0;
  let stopping = false;
  let wake: (() => void) | null = null;
  const loop = async () => {
    while (!stopping) {
      const due = feed.due(clock.now());
      for (let i = 0; i < due.length; i += 5000) {
        const batch = due.slice(i, i + 5000);
        await producer.send(batch.map(encode));
        produced += batch.length;
        for (const r of batch) producedTotal.inc({ topic: r.topic });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, settings.tickMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };

  const { exited, shutdown } = shutdownLifecycle(
    log,
    settings.shutdownTimeoutMs,
    async () => {
      stopping = true;
      wake?.();
      await running;
      await producer.close();
      await health?.close().catch(() => {});
      return failure === null;
    },
    options.handleSignals !== false,
  );
  const running = loop().catch((error: unknown) => {
    failure = error;
    log.error({ err: error instanceof Error ? error.message : String(error) }, 'sending failed');
    void shutdown('sending failed', true);
  });
  log.info({ topics: liveGeneratorTopics, ordersPerSecond: settings.generator.ordersPerSecond, health: health?.url ?? null }, 'generator running');
  return {
    healthUrl: health?.url ?? null,
    exited,
    get produced() {
      return produced;
    },
    shutdown: (reason) => shutdown(reason),
  };
}
