// `npm start -- --brokers host:port`: the whole risk pipeline live on a Kafka cluster. Creates the contract's
// topics if missing, runs the five apps as KafkaStreamsApps in this process (RocksDB stores), produces a
// generated scenario to the input topics, prints what happened once the apps have caught up, then keeps them
// running behind the operator console (backed by the topics) and their /metrics, /health, /ready endpoints
// until Ctrl-C.

import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaConnectionFromEnv } from '../../runtime/kafka/connection-env.ts';
import { clusterProfileFromEnv } from '../../runtime/kafka/topic-provisioning.ts';
import type { RiskConfig } from '../config.ts';
import { KafkaConsoleBackend } from '../console/kafka-backend.ts';
import { startConsole } from '../console/server.ts';
import { generateScenario } from '../generator/scenario.ts';
import { pinoLogger } from '../observability/logger.ts';
import { startObservabilityServer } from '../observability/server.ts';
import { appNamed } from '../registry.ts';
import { createContractTopics, KafkaPipeline, replayOrder } from './kafka-pipeline.ts';
import { ProgressBar } from './progress.ts';
import { summarize } from './summary.ts';

export interface KafkaStartOptions {
  readonly brokers: readonly string[];
  readonly config: RiskConfig;
  readonly minutes: number;
  readonly accounts: number;
  readonly seed: number;
  readonly stateDir?: string;
  readonly console: boolean;
  readonly consolePort: number;
  /** First of five consecutive ports (0: free ones). */
  readonly metricsPort: number;
}

/** Runs until SIGINT or SIGTERM (or, without the console, until the summary is printed). */
export async function startOnKafka(options: KafkaStartOptions): Promise<void> {
  // Before connecting: on MSK a missing TOPIC_CLUSTER_PROFILE fails here, not half-way through.
  const profile = clusterProfileFromEnv(process.env);
  const connection = await kafkaConnectionFromEnv(process.env, { brokers: options.brokers });
  const logger = pinoLogger();
  const topics = await createContractTopics(connection, 3, { profile, logger });
  console.log(`contract topics on ${connection.brokers.join(',')}: ${topics.created.length} created, ${topics.existing.length} already there`);

  // Stamped up to now: the broker's time-based retention would soon delete records from a fixed day long past.
  const minute = 60_000;
  const inputs = generateScenario({ minutes: options.minutes, accounts: options.accounts, seed: options.seed, start: Math.floor(Date.now() / minute - options.minutes) * minute });
  const records = replayOrder(inputs);
  console.log(`generated ${records.length.toLocaleString('en-US')} input records (${[...inputs].map(([t, r]) => `${t}: ${r.length}`).join(', ')})`);

  const pipeline = await KafkaPipeline.start({
    connection,
    config: options.config,
    stateDir: options.stateDir ?? join(tmpdir(), 'risk-streams-kafka'),
    processingGuarantee: 'exactly_once_v2',
    logger,
    // On a broker that other runs used, the apps start at the inputs this run produces (later runs resume
    // from their committed offsets anyway).
    kafka: { autoOffsetReset: 'latest' },
  });
  console.log(`running ${[...pipeline.apps.keys()].join(', ')} on Kafka (exactly_once_v2, RocksDB stores)`);
  const since = await pipeline.contractEndOffsets();
  const started = performance.now();
  const bar = new ProgressBar('producing', records.length);
  for (let i = 0; i < records.length; i += 5000) {
    await pipeline.produce(records.slice(i, i + 5000));
    bar.update(i + 5000);
  }
  bar.finish();
  await pipeline.settled(600_000);
  const seconds = (performance.now() - started) / 1000;
  // Produced as fast as the broker takes them, the apps see each other's output later than in event time: kills
  // reach the router after orders they would have stopped, and the margin app applies most price ticks before
  // the fills they would revalue. `risk-streams replay` of the same inputs shows the event-time figures.
  console.log(`\n${summarize(inputs, await pipeline.outputs(inputs, since), { processed: pipeline.processedRecords, seconds })}\n`);

  if (!options.console) {
    await pipeline.close();
    return;
  }
  const backend = await KafkaConsoleBackend.start({ connection, enforcementApplicationId: pipeline.apps.get('enforcement')!.config.applicationId, logger });
  const token = process.env.CONSOLE_TOKEN ?? randomBytes(12).toString('hex');
  const consoleServer = await startConsole({ backend, token, port: options.consolePort });
  console.log(`operator console: ${consoleServer.url}`);
  const observability = await Promise.all(
    [...pipeline.apps].map(([name, app], i) =>
      startObservabilityServer({
        observed: { name, app, topology: appNamed(name).build(options.config, { storeType: 'rocksdb' }) },
        port: options.metricsPort === 0 ? 0 : options.metricsPort + i,
      }),
    ),
  );
  [...pipeline.apps.keys()].forEach((name, i) => console.log(`observability ${name} ${observability[i].url} (/metrics /health /ready /topology)`));
  if (process.env.CONSOLE_TOKEN === undefined) console.log(`bearer token for kill/unkill (set CONSOLE_TOKEN to choose one): ${token}`);
  console.log('Ctrl-C to stop');
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  await Promise.all([consoleServer.close(), backend.close(), ...observability.map((s) => s.close())]);
  await pipeline.close();
}
