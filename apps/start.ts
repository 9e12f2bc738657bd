// `npm start`: the whole risk pipeline on the embedded runtime. Generates a scenario, runs every app on it,
// prints what happened (automatic kills, drops, margin calls), then keeps the apps live behind the operator
// console until Ctrl-C. `--no-console` exits after the summary. No broker, no cloud account.

import { randomBytes } from 'node:crypto';
import { parseFlags } from './cli/commands.ts';
import { ProgressBar } from './cli/progress.ts';
import { summarize } from './cli/summary.ts';
import { loadRiskConfig } from './config.ts';
import { EmbeddedConsoleBackend } from './console/backend.ts';
import { startConsole } from './console/server.ts';
import { generateScenario } from './generator/scenario.ts';
import { createPipeline, producedRecords, runPipeline } from './pipeline.ts';

const flags = parseFlags(process.argv.slice(2), {
  'no-console': 'boolean',
  minutes: 'number',
  accounts: 'number',
  seed: 'number',
  port: 'number',
  config: 'string',
});
const inputs = generateScenario({
  minutes: (flags.minutes as number | undefined) ?? 10,
  accounts: (flags.accounts as number | undefined) ?? 100,
  seed: (flags.seed as number | undefined) ?? 1,
});
const total = [...inputs.values()].reduce((n, r) => n + r.length, 0);
console.log(`generated ${total.toLocaleString('en-US')} input records (${[...inputs].map(([t, r]) => `${t}: ${r.length}`).join(', ')})`);

const pipeline = createPipeline(inputs, { config: loadRiskConfig(flags.config as string | undefined), partitions: 3 });
console.log(`running ${[...pipeline.apps.keys()].join(', ')} on the embedded runtime (3 partitions per topic)`);
const bar = new ProgressBar('processing', total * 2);
const started = performance.now();
const processed = runPipeline(pipeline, (p) => bar.update(p.processed));
bar.finish();
console.log(`\n${summarize(inputs, producedRecords(pipeline), { processed, seconds: (performance.now() - started) / 1000 })}\n`);

if (flags['no-console'] === true) {
  for (const app of pipeline.apps.values()) app.close();
} else {
  // From here on the apps run whenever a record arrives (a command from the console, say).
  let running = false;
  let scheduled = false;
  pipeline.cluster.onAppend(() => {
    if (running || scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      running = true;
      try {
        runPipeline(pipeline);
      } finally {
        running = false;
      }
    });
  });
  const token = process.env.CONSOLE_TOKEN ?? randomBytes(12).toString('hex');
  const consoleServer = await startConsole({ backend: new EmbeddedConsoleBackend(pipeline), token, port: (flags.port as number | undefined) ?? 8088 });
  console.log(`operator console: ${consoleServer.url}`);
  if (process.env.CONSOLE_TOKEN === undefined) console.log(`bearer token for kill/unkill (set CONSOLE_TOKEN to choose one): ${token}`);
  console.log('Ctrl-C to stop');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void consoleServer.close().then(() => {
        for (const app of pipeline.apps.values()) app.close();
      });
    });
  }
}
