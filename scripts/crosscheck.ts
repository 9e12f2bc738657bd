// The cross-check: runs our offline replay and the Spark reference jobs (spark/) on the same record files and
// compares what they computed — every window's last risk signal, the automatic kills, each account's final
// margin and stress figures, the margin calls. Any difference, or a topic our replay did not produce at all,
// fails it: the Spark jobs are the independent proof of our numbers.
//
//   npm run crosscheck -- --input DIR [--config FILE] [--work DIR]

import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags, UsageError } from '../apps/cli/commands.ts';
import { loadRiskConfig } from '../apps/config.ts';
import { StreamsError } from '../common/errors.ts';
import { Topics } from '../apps/schemas/topics.ts';
import { readRecordFile } from '../runtime/replay/record-files.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Money is compared to the cent; ratios far tighter, since both sides divide the same two integers. */
const CENT = 0.01;
const RATIO = 1e-9;

type Value = Record<string, unknown>;
/** A field compared exactly, or within an absolute tolerance. */
type FieldRule = 'exact' | number;

export interface Section {
  readonly name: string;
  /** Set when our replay produced nothing to compare with: the section fails as MISSING. */
  readonly missing?: string;
  readonly compared: number;
  readonly matched: number;
  readonly differ: string[];
  readonly onlySpark: string[];
  readonly onlyReplay: string[];
}

export function sectionPassed(s: Section): boolean {
  return s.missing === undefined && s.differ.length === 0 && s.onlySpark.length === 0 && s.onlyReplay.length === 0;
}

/** The values of a record file (tombstones skipped); an absent file is no records. */
function valuesOf(dir: string, name: string): Value[] {
  const path = join(dir, `${name}.jsonl`);
  if (!existsSync(path)) return [];
  return readRecordFile(path)
    .map((r) => r.value)
    .filter((v): v is Value => v !== null && typeof v === 'object');
}

/** The last value per key, in file order. */
function lastByKey(values: readonly Value[], key: (v: Value) => string): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const v of values) out.set(key(v), v);
  return out;
}

/**
 * Every value, keyed by its key and, from the second occurrence on, `#n`: several price ticks at one timestamp
 * can cure a call and open the next one at the same `ts`, and both must be compared, in order.
 */
function byOccurrence(values: readonly Value[], key: (v: Value) => string): Map<string, Value> {
  const out = new Map<string, Value>();
  const seen = new Map<string, number>();
  for (const v of values) {
    const k = key(v);
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    out.set(n === 1 ? k : `${k}#${n}`, v);
  }
  return out;
}

function sameField(a: unknown, b: unknown, rule: FieldRule): boolean {
  if (rule === 'exact') return a === b;
  return typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= rule;
}

function show(v: unknown): string {
  return typeof v === 'number' && !Number.isInteger(v) ? String(Math.round(v * 1e6) / 1e6) : JSON.stringify(v);
}

function compareKeyed(
  name: string,
  spark: Map<string, Value>,
  replay: Map<string, Value>,
  fields: Readonly<Record<string, FieldRule>>,
  extraDiffs: string[] = [],
): Section {
  const differ = [...extraDiffs];
  const onlySpark: string[] = [];
  const onlyReplay: string[] = [];
  let matched = 0;
  for (const [key, want] of spark) {
    const got = replay.get(key);
    if (got === undefined) {
      onlySpark.push(`${key}: spark has ${summarize(want, fields)}, the replay nothing`);
      continue;
    }
    const diffs = Object.entries(fields)
      .filter(([f, rule]) => !sameField(got[f], want[f], rule))
      .map(([f]) => `${f} replay ${show(got[f])} ≠ spark ${show(want[f])}`);
    if (diffs.length === 0) matched++;
    else differ.push(`${key}: ${diffs.join(', ')}`);
  }
  for (const [key, got] of replay) {
    if (!spark.has(key)) onlyReplay.push(`${key}: the replay has ${summarize(got, fields)}, spark nothing`);
  }
  return { name, compared: new Set([...spark.keys(), ...replay.keys()]).size, matched, differ, onlySpark, onlyReplay };
}

function summarize(v: Value, fields: Readonly<Record<string, FieldRule>>): string {
  return `{${Object.keys(fields)
    .map((f) => `${f}: ${show(v[f])}`)
    .join(', ')}}`;
}

function missing(name: string, reason: string, sparkCount: number): Section {
  return { name, missing: reason, compared: sparkCount, matched: 0, differ: [], onlySpark: [], onlyReplay: [] };
}

const signalFields = {
  ts: 'exact',
  window_end: 'exact',
  order_rate_60s: 'exact',
  rolling_notional_60s: CENT,
  top_symbol: 'exact',
  top_symbol_share: RATIO,
} as const satisfies Record<string, FieldRule>;
const killFields = { ts: 'exact', action: 'exact', metric: 'exact', value: CENT } as const satisfies Record<string, FieldRule>;
const marginFields = {
  cash: CENT,
  long_mv: CENT,
  short_mv: CENT,
  market_value: CENT,
  equity: CENT,
  maintenance_req: CENT,
  excess: CENT,
  beta_weighted_exposure: CENT,
} as const satisfies Record<string, FieldRule>;
const stressFields = { delta_pnl: CENT, equity_stressed: CENT, excess_stressed: CENT, underwater: 'exact' } as const satisfies Record<string, FieldRule>;
const callFields = { deficiency: CENT } as const satisfies Record<string, FieldRule>;

/**
 * Compares the replay's output folder with the Spark jobs' (risk_signals.py --emit last, margin.py
 * --emit final). `windowMs` places each kill in its window: one kill per account window is the contract.
 */
export function compareOutputs(replayDir: string, sparkDir: string, windowMs: number): Section[] {
  const sections: Section[] = [];

  const sparkSignals = lastByKey(valuesOf(sparkDir, Topics.RISK_SIGNALS), (v) => `${v.account_id}@${v.window_start}`);
  const replaySignalValues = valuesOf(replayDir, Topics.RISK_SIGNALS);
  const isAutoKill = (v: Value) => v.triggered_by === 'risk_signals' && v.action === 'KILL';
  const killKey = (v: Value) => `${v.scope}@${Math.floor((v.ts as number) / windowMs) * windowMs}`;
  const sparkKills = lastByKey(valuesOf(sparkDir, Topics.KILLSWITCH_COMMANDS).filter(isAutoKill), killKey);
  if (replaySignalValues.length === 0 && sparkSignals.size > 0) {
    const why = `the replay wrote no ${Topics.RISK_SIGNALS} (is the risk-signals app in the replay?)`;
    sections.push(missing('risk signals: last per window', why, sparkSignals.size));
    sections.push(missing('automatic kills', why, sparkKills.size));
  } else {
    const replaySignals = lastByKey(replaySignalValues, (v) => `${v.account_id}@${v.window_start}`);
    sections.push(compareKeyed('risk signals: last per window', sparkSignals, replaySignals, signalFields));
    const replayKillValues = valuesOf(replayDir, Topics.KILLSWITCH_COMMANDS).filter(isAutoKill);
    const replayKills = lastByKey(replayKillValues, killKey);
    const repeats: string[] = [];
    const seen = new Map<string, number>();
    for (const v of replayKillValues) seen.set(killKey(v), (seen.get(killKey(v)) ?? 0) + 1);
    for (const [key, n] of seen) if (n > 1) repeats.push(`${key}: the replay has ${n} automatic KILLs for one window (the contract allows one)`);
    sections.push(compareKeyed('automatic kills', sparkKills, replayKills, killFields, repeats));
  }

  const sparkMargin = lastByKey(valuesOf(sparkDir, Topics.MARGIN_CALC), (v) => String(v.account_id));
  const sparkStress = lastByKey(valuesOf(sparkDir, Topics.STRESS), (v) => `${v.account_id}@${v.scenario}`);
  const sparkCalls = byOccurrence(valuesOf(sparkDir, Topics.MARGIN_CALLS), (v) => `${v.account_id}@${v.ts}`);
  const replayMarginValues = valuesOf(replayDir, Topics.MARGIN_CALC);
  if (replayMarginValues.length === 0 && sparkMargin.size > 0) {
    const why = `the replay wrote no ${Topics.MARGIN_CALC} (is the margin app in the replay?)`;
    sections.push(missing('margin: final per account', why, sparkMargin.size));
    sections.push(missing('stress: final per account and scenario', `the replay wrote no ${Topics.STRESS}`, sparkStress.size));
    sections.push(missing('margin calls', `${why}; enforcement had no margin records to call on`, sparkCalls.size));
    return sections;
  }
  sections.push(compareKeyed('margin: final per account', sparkMargin, lastByKey(replayMarginValues, (v) => String(v.account_id)), marginFields));
  const replayStressValues = valuesOf(replayDir, Topics.STRESS);
  if (replayStressValues.length === 0 && sparkStress.size > 0) {
    sections.push(missing('stress: final per account and scenario', `the replay wrote no ${Topics.STRESS}`, sparkStress.size));
  } else {
    sections.push(compareKeyed('stress: final per account and scenario', sparkStress, lastByKey(replayStressValues, (v) => `${v.account_id}@${v.scenario}`), stressFields));
  }
  sections.push(compareKeyed('margin calls', sparkCalls, byOccurrence(valuesOf(replayDir, Topics.MARGIN_CALLS), (v) => `${v.account_id}@${v.ts}`), callFields));
  return sections;
}

/** The table of sections, then the first differences of each failing one. */
export function formatReport(sections: readonly Section[], detailsPerSection = 10): string {
  const head = ['check', 'compared', 'match', 'differ', 'only spark', 'only replay', 'result'];
  const rows = sections.map((s) => [
    s.name,
    String(s.compared),
    String(s.matched),
    String(s.differ.length),
    String(s.onlySpark.length),
    String(s.onlyReplay.length),
    s.missing !== undefined ? 'MISSING' : sectionPassed(s) ? 'OK' : 'MISMATCH',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  for (const s of sections) {
    if (sectionPassed(s)) continue;
    out.push('', `${s.name}:`);
    if (s.missing !== undefined) out.push(`  MISSING: ${s.missing}; spark has ${s.compared} to compare`);
    const details = [...s.differ, ...s.onlySpark, ...s.onlyReplay];
    for (const d of details.slice(0, detailsPerSection)) out.push(`  ${d}`);
    if (details.length > detailsPerSection) out.push(`  … and ${details.length - detailsPerSection} more`);
  }
  const failed = sections.filter((s) => !sectionPassed(s)).length;
  out.push('', failed === 0 ? 'crosscheck: every check matches' : `crosscheck: ${failed} of ${sections.length} checks failed`);
  return out.join('\n');
}

interface Step {
  readonly code: number | null;
  readonly seconds: number;
  readonly stdout: string;
  readonly log: string;
}

/** Runs a command with its output kept in a log file (and stdout in memory, for the setup's answer). */
function runStep(command: string, args: readonly string[], log: string, env: NodeJS.ProcessEnv = process.env): Promise<Step> {
  const started = performance.now();
  return new Promise((resolveStep) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const file = createWriteStream(log);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      file.write(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => file.write(chunk));
    const finish = (code: number | null) => file.end(() => resolveStep({ code, seconds: (performance.now() - started) / 1000, stdout, log }));
    child.on('error', (error) => {
      file.write(`\n${command}: ${error.message}\n`);
      finish(null);
    });
    child.on('close', finish);
  });
}

function tail(path: string, lines = 25): string {
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

export async function crosscheck(args: readonly string[]): Promise<number> {
  const flags = parseFlags(args, { input: 'string', config: 'string', work: 'string' });
  if (typeof flags.input !== 'string') throw new UsageError('crosscheck needs --input DIR (a folder of <topic>.jsonl record files)');
  const input = resolve(flags.input);
  const config = typeof flags.config === 'string' ? resolve(flags.config) : undefined;
  const effective = loadRiskConfig(config);
  const work = typeof flags.work === 'string' ? resolve(flags.work) : mkdtempSync(join(tmpdir(), 'crosscheck-'));
  const replayOut = join(work, 'replay');
  const sparkOut = join(work, 'spark');
  mkdirSync(work, { recursive: true });
  // The replay reads the file and RISK_* variables itself; the Spark jobs read only a file, so they get the
  // config the replay ends up with, written out whole.
  const sparkConfig = join(work, 'config.json');
  writeFileSync(sparkConfig, `${JSON.stringify(effective, null, 2)}\n`);
  const configArgs = config === undefined ? [] : ['--config', config];
  console.log(`crosscheck: input ${input}, work folder ${work}`);

  // The replay needs one core, each Spark job a JVM of its own: all three run side by side.
  const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
  // A long generated day holds every topic in memory: give the replay room (see docs/risk-apps.md).
  const replay = runStep(process.execPath, ['--max-old-space-size=12288', join(repoRoot, 'bin/risk-streams.ts'), 'replay', '--input', input, '--output', replayOut, ...configArgs], join(work, 'replay.log'));
  const spark = (async () => {
    const setup = await runStep('bash', [join(repoRoot, 'spark/setup.sh')], join(work, 'spark-setup.log'), env);
    if (setup.code !== 0) return { setup, jobs: [] as Step[] };
    const python = setup.stdout.trim().split('\n').pop()!;
    const job = (script: string, emit: string) =>
      runStep(python, [join(repoRoot, 'spark', script), '--input', input, '--output', sparkOut, '--emit', emit, '--config', sparkConfig], join(work, `${script}.log`), env);
    return { setup, jobs: await Promise.all([job('risk_signals.py', 'last'), job('margin.py', 'final')]) };
  })();
  const [replayStep, sparkSteps] = await Promise.all([replay, spark]);

  const steps: Array<[string, Step]> = [['replay', replayStep], ['spark setup', sparkSteps.setup]];
  if (sparkSteps.jobs.length > 0) steps.push(['spark risk_signals.py', sparkSteps.jobs[0]], ['spark margin.py', sparkSteps.jobs[1]]);
  for (const [name, step] of steps) console.log(`  ${name.padEnd(22)} ${step.code === 0 ? 'ok    ' : 'FAILED'} ${step.seconds.toFixed(1).padStart(6)} s`);
  const failed = steps.filter(([, s]) => s.code !== 0);
  if (failed.length > 0 || sparkSteps.jobs.length === 0) {
    for (const [name, step] of failed) console.error(`\n${name} failed (exit ${step.code}); end of ${step.log}:\n${tail(step.log)}`);
    return 1;
  }
  console.log('');
  const sections = compareOutputs(replayOut, sparkOut, effective.risk.windowMs);
  console.log(formatReport(sections));
  return sections.every(sectionPassed) ? 0 : 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = await crosscheck(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`crosscheck: ${error.message}\nusage: npm run crosscheck -- --input DIR [--config FILE] [--work DIR]`);
      process.exitCode = 2;
    } else if (error instanceof StreamsError) {
      console.error(`crosscheck: ${error.message}`);
      process.exitCode = 1;
    } else throw error;
  }
}
