// `npm start`: the whole risk pipeline on the embedded runtime. Generates a scenario, runs every app on it,
// prints what happened (automatic kills, drops, margin calls), then keeps the apps live behind the operator
// console until Ctrl-C. `--no-console` exits after the summary. No broker, no cloud account.
// Each app serves /metrics, /health, /ready and /topology on its own port (`--metrics-port`, default 9464, then
// 9465, … in registry order; 0 picks free ports). `--live N` keeps N orders a second (and incidents) flowing.
// `--brokers host:port` runs the same on a Kafka cluster instead (cli/start-kafka.ts).

import { randomBytes } from 'node:crypto';
import { parseFlags, UsageError } from './cli/commands.ts';
import { startOnKafka } from './cli/start-kafka.ts';
import { ProgressBar } from './cli/progress.ts';
import { summarize } from './cli/summary.ts';
import { loadRiskConfig } from './config.ts';
import { EmbeddedConsoleBackend } from './console/backend.ts';
import { startConsole } from './console/server.ts';
import { generateScenario } from './generator/scenario.ts';
import { startLiveTraffic } from './observability/live-traffic.ts';
import { pinoLogger } from './observability/logger.ts';
import { startObservabilityServer } from './observability/server.ts';
import { createPipeline, producedRecords, runOnEveryAppend, runPipeline } from './pipeline.ts';
import { appNamed } from './registry.ts';
import { Topics } from './schemas/topics.ts';
import { systemClock } from '../common/time.ts';
import { parseBrokers } from '../runtime/kafka/connection-env.ts';

const flags = parseFlags(process.argv.slice(2), {
  'no-console': 'boolean',
  minutes: 'number',
  accounts: 'number',
  seed: 'number',
  port: 'number',
  config: 'string',
  'metrics-port': 'number',
  live: 'number',
  brokers: 'string',
  'state-dir': 'string',
});
if (typeof flags.brokers === 'string') {
  // On a Kafka cluster instead (cli/start-kafka.ts): runs until Ctrl-C, and the process ends here.
  if (flags.live !== undefined) throw new UsageError('--live feeds the embedded runtime only; it cannot be combined with --brokers');
  await startOnKafka({
    brokers: parseBrokers(flags.brokers, '--brokers'),
    config: loadRiskConfig(flags.config as string | undefined),
    minutes: (flags.minutes as number | undefined) ?? 10,
    accounts: (flags.accounts as number | undefined) ?? 100,
    seed: (flags.seed as number | undefined) ?? 1,
    ...(typeof flags['state-dir'] === 'string' ? { stateDir: flags['state-dir'] } : {}),
    console: flags['no-console'] !== true,
    consolePort: (flags.port as number | undefined) ?? 8088,
    metricsPort: (flags['metrics-port'] as number | undefined) ?? 9464,
  });
  process.exit(0);
}
const live = (flags.live as number | undefined) ?? 0;
const minutes = (flags.minutes as number | undefined) ?? 10;
const inputs = generateScenario({
  minutes,
  accounts: (flags.accounts as number | undefined) ?? 100,
  seed: (flags.seed as number | undefined) ?? 1,
  // Live traffic carries the wall clock: the generated history then ends now instead of on a fixed day.
  ...(live > 0 ? { start: Date.now() - minutes * 60_000 } : {}),
});
const total = [...inputs.values()].reduce((n, r) => n + r.length, 0);
console.log(`generated ${total.toLocaleString('en-US')} input records (${[...inputs].map(([t, r]) => `${t}: ${r.length}`).join(', ')})`);

const config = loadRiskConfig(flags.config as string | undefined);
const pipeline = createPipeline(inputs, { config, partitions: 3, logger: pinoLogger(), ...(live > 0 ? { clock: systemClock } : {}) });
console.log(`running ${[...pipeline.apps.keys()].join(', ')} on the embedded runtime (3 partitions per topic)`);
const bar = new ProgressBar('processing', total * 2);
const started = performance.now();
const processed = runPipeline(pipeline, (p) => bar.update(p.processed));
bar.finish();
console.log(`\n${summarize(inputs, producedRecords(pipeline), { processed, seconds: (performance.now() - started) / 1000 })}\n`);

if (flags['no-console'] === true) {
  for (const app of pipeline.apps.values()) app.close();
} else {
  runOnEveryAppend(pipeline);
  const token = process.env.CONSOLE_TOKEN ?? randomBytes(12).toString('hex');
  const consoleServer = await startConsole({ backend: new EmbeddedConsoleBackend(pipeline), token, port: (flags.port as number | undefined) ?? 8088 });
  console.log(`operator console: ${consoleServer.url}`);
  const basePort = (flags['metrics-port'] as number | undefined) ?? 9464;
  const observability = await Promise.all(
    [...pipeline.apps].map(([name, app], i) =>
      startObservabilityServer({ observed: { name, app, topology: appNamed(name).build(config, { storeType: 'in-memory' }) }, port: basePort === 0 ? 0 : basePort + i }),
    ),
  );
  [...pipeline.apps.keys()].forEach((name, i) => console.log(`observability ${name} ${observability[i].url} (/metrics /health /ready /topology)`));
  const traffic =
    live > 0
      ? startLiveTraffic(pipeline.cluster, {
          ordersPerSecond: live,
          accounts: [...new Set(inputs.get(Topics.ORDERS)!.map((r) => r.key!))],
          prices: new Map(inputs.get(Topics.PRICES)!.map((r) => [r.key!, (r.value as { price: number }).price])),
        })
      : null;
  if (traffic !== null) console.log(`live traffic: ${live} orders/s with an incident every 10 s`);
  if (process.env.CONSOLE_TOKEN === undefined) console.log(`bearer token for kill/unkill (set CONSOLE_TOKEN to choose one): ${token}`);
  console.log('Ctrl-C to stop');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      traffic?.stop();
      void Promise.all([consoleServer.close(), ...observability.map((s) => s.close())]).then(() => {
        for (const app of pipeline.apps.values()) app.close();
      });
    });
  }
}
