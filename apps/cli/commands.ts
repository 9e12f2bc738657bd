// The risk-streams CLI: generate record files, replay them through every app, describe a topology, run an app
// live on Kafka (run.ts).

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadRiskConfig } from '../config.ts';
import { generateScenario, type ScenarioOptions } from '../generator/scenario.ts';
import { createPipeline, producedRecords, runPipeline } from '../pipeline.ts';
import { appNamed, apps } from '../registry.ts';
import { type FileRecord, readRecordFile, recordFilesIn, writeRecordFile } from '../../runtime/replay/record-files.ts';
import { DIAGRAM_FORMATS, type DiagramFormat, renderDiagram } from '../observability/topology-diagram.ts';
import { ProgressBar } from './progress.ts';
import { summarize } from './summary.ts';

export class UsageError extends Error {}

export { runCommand, runUsage } from './run.ts';

export function parseFlags(args: readonly string[], spec: Record<string, 'string' | 'number' | 'boolean'>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const name = arg.slice(2);
    const type = spec[name];
    if (type === undefined) throw new UsageError(`unknown option --${name}`);
    if (type === 'boolean') {
      out[name] = true;
      continue;
    }
    const value = args[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${value}"`);
      out[name] = n;
    } else out[name] = value;
  }
  return out;
}

export async function generateCommand(args: readonly string[]): Promise<void> {
  const flags = parseFlags(args, { output: 'string', minutes: 'number', accounts: 'number', seed: 'number', breaching: 'number' });
  if (typeof flags.output !== 'string') throw new UsageError('generate needs --output DIR');
  const options: { -readonly [K in keyof ScenarioOptions]?: ScenarioOptions[K] } = {};
  if (flags.minutes !== undefined) options.minutes = flags.minutes as number;
  if (flags.accounts !== undefined) options.accounts = flags.accounts as number;
  if (flags.seed !== undefined) options.seed = flags.seed as number;
  if (flags.breaching !== undefined) options.breachingAccounts = flags.breaching as number;
  const files = generateScenario(options);
  mkdirSync(flags.output, { recursive: true });
  for (const [topic, records] of files) await writeRecordFile(join(flags.output, `${topic}.jsonl`), records);
  for (const [topic, records] of files) console.log(`${topic.padEnd(24)} ${String(records.length).padStart(8)} records`);
}

export async function replayCommand(args: readonly string[]): Promise<void> {
  const flags = parseFlags(args, { input: 'string', output: 'string', config: 'string' });
  if (typeof flags.input !== 'string' || typeof flags.output !== 'string') {
    throw new UsageError('replay needs --input DIR and --output DIR');
  }
  const config = loadRiskConfig(flags.config as string | undefined);
  const inputs = new Map<string, FileRecord[]>();
  for (const [topic, path] of recordFilesIn(flags.input)) inputs.set(topic, readRecordFile(path));
  if (inputs.size === 0) throw new UsageError(`no <topic>.jsonl files in ${flags.input}`);
  const total = [...inputs.values()].reduce((n, r) => n + r.length, 0);
  const pipeline = createPipeline(inputs, { config });
  const bar = new ProgressBar('replay', total * 3);
  const started = performance.now();
  const processed = runPipeline(pipeline, (p) => bar.update(p.processed));
  bar.finish();
  const seconds = (performance.now() - started) / 1000;
  const outputs = producedRecords(pipeline);
  mkdirSync(flags.output, { recursive: true });
  for (const [topic, records] of outputs) await writeRecordFile(join(flags.output, `${topic}.jsonl`), records);
  for (const app of pipeline.apps.values()) app.close();
  console.log(summarize(inputs, outputs, { processed, seconds }));
}

export function describeCommand(args: readonly string[]): void {
  const [name, ...rest] = args;
  if (name === undefined || name.startsWith('--')) throw new UsageError(`describe needs an app name: ${apps.map((a) => a.name).join(', ')}`);
  const format = parseFlags(rest, { format: 'string' }).format ?? 'text';
  if (!(DIAGRAM_FORMATS as readonly unknown[]).includes(format)) throw new UsageError(`--format must be one of ${DIAGRAM_FORMATS.join(', ')}, got "${format}"`);
  const app = appNamed(name);
  const description = app.build(loadRiskConfig(undefined), {}).describe();
  if (format === 'text') console.log(description.toString());
  else process.stdout.write(renderDiagram(description, format as DiagramFormat, app.name));
}
