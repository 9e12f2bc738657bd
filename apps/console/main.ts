// Runs the operator console over an in-process pipeline, for trying it by hand:
//   CONSOLE_TOKEN=… node apps/console/main.ts [--input DIR] [--port 8088] [--config FILE]
// Record files in DIR (<topic>.jsonl) are loaded first; the apps then run again whenever a record arrives,
// so a kill sent from the page shows up as soon as the aggregator has applied it.

import { loadRiskConfig } from '../config.ts';
import { parseFlags } from '../cli/commands.ts';
import { createPipeline, runOnEveryAppend, runPipeline } from '../pipeline.ts';
import { type FileRecord, readRecordFile, recordFilesIn } from '../../runtime/replay/record-files.ts';
import { EmbeddedConsoleBackend } from './backend.ts';
import { startConsole } from './server.ts';

const flags = parseFlags(process.argv.slice(2), { input: 'string', port: 'number', config: 'string' });
const inputs = new Map<string, FileRecord[]>();
if (typeof flags.input === 'string') for (const [topic, path] of recordFilesIn(flags.input)) inputs.set(topic, readRecordFile(path));
const pipeline = createPipeline(inputs, { config: loadRiskConfig(flags.config as string | undefined), partitions: 3 });
const processed = runPipeline(pipeline);

runOnEveryAppend(pipeline);

const console_ = await startConsole({ backend: new EmbeddedConsoleBackend(pipeline), port: flags.port as number | undefined });
process.stdout.write(`processed ${processed} records; operator console on ${console_.url}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void console_.close().then(() => {
      for (const app of pipeline.apps.values()) app.close();
    });
  });
}
