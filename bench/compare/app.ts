// Our side of `npm run bench:compare`: one KafkaStreamsApp running a compared topology in its own process, so its
// CPU and memory can be read from /proc like the Java side's. Usage: node app.ts '<json of RunArgs>'.
// Prints "STATE <state>" on each state change and "PROGRESS <records processed>" every 100 ms.

import { consoleLogger } from '../../common/logger.ts';
import { KafkaStreamsApp } from '../../runtime/kafka/kafka-streams-app.ts';
import type { RunArgs } from './engines.ts';
import { compareTopology } from './topologies.ts';

const PROGRESS_INTERVAL_MS = 100;

if (import.meta.main) {
  const run = JSON.parse(process.argv[2]) as RunArgs;
  const app = new KafkaStreamsApp(
    compareTopology(run.topology, { input: run.input, output: run.output, killSwitch: run.killSwitch }),
    {
      applicationId: run.applicationId,
      processingGuarantee: run.guarantee,
      commitIntervalMs: run.commitIntervalMs,
      stateDir: run.stateDir,
      logger: consoleLogger('warn'),
    },
    { brokers: run.brokers },
  );
  const say = (line: string) => process.stdout.write(`${line}\n`);
  app.onStateChange((state) => {
    say(`STATE ${state}`);
    if (state === 'ERROR') {
      say(`FAILED ${String(app.error)}`);
      process.exit(2);
    }
    if (state === 'NOT_RUNNING') process.exit(0);
  });
  setInterval(() => say(`PROGRESS ${app.processedRecords}`), PROGRESS_INTERVAL_MS);
  await app.start();
}
