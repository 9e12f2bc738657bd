// The Spark jobs' streaming mode against a real broker: a generated scenario is produced to the input topics,
// both jobs run as Structured Streaming queries until caught up, and what they computed must equal what the
// batch jobs compute from the same records as files. Risk signals run in several micro-batches, so windows
// are carried across batches through the jobs' state.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PlatformaticKafkaFactory } from '../../runtime/kafka/kafka-adapter.ts';
import { RecordPartitioner } from '../../runtime/record-partitioner.ts';
import { readRecordFile, recordFilesIn } from '../../runtime/replay/record-files.ts';
import { startBroker } from '../../scripts/kafka/broker.ts';

const repoRoot = join(import.meta.dirname, '../..');
const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
type Value = Record<string, unknown>;

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** What a streaming job wrote with --output: `<topic>/batch=<n>/part-*`, in batch and file order. */
function streamed(dir: string, topic: string): Value[] {
  const root = join(dir, topic);
  const values: Value[] = [];
  for (const batch of readdirSync(root).filter((b) => b.startsWith('batch=')).sort()) {
    for (const part of readdirSync(join(root, batch)).filter((p) => p.startsWith('part-')).sort()) {
      for (const line of readFileSync(join(root, batch, part), 'utf8').split('\n')) {
        if (line.trim() !== '') values.push(JSON.parse(line).value as Value);
      }
    }
  }
  return values;
}

function batched(dir: string, topic: string): Value[] {
  return readRecordFile(join(dir, `${topic}.jsonl`)).map((r) => r.value as Value);
}

const round = (x: unknown) => (typeof x === 'number' ? Math.round(x * 1e6) / 1e6 : x);
const rows = (values: Value[], fields: string[]) => values.map((v) => JSON.stringify(fields.map((f) => round(v[f])))).sort();

describe('spark jobs, streaming from Kafka', () => {
  it('compute what the batch jobs compute', { timeout: 15 * 60_000 }, async () => {
    const setup = spawnSync('bash', [join(repoRoot, 'spark/setup.sh'), 'kafka'], { cwd: repoRoot, env, encoding: 'utf8' });
    expect(setup.status, `spark/setup.sh kafka failed:\n${setup.stderr}`).toBe(0);
    const python = setup.stdout.trim().split('\n').pop()!;

    const dir = mkdtempSync(join(tmpdir(), 'spark-streaming-'));
    const input = join(dir, 'in');
    const generated = await run(process.execPath, ['bin/risk-streams.ts', 'generate', '--output', input, '--minutes', '3', '--accounts', '12', '--seed', '9']);
    expect(generated.code, generated.output).toBe(0);

    const broker = await startBroker();
    try {
      const brokers = broker.brokers.join(',');
      const factory = new PlatformaticKafkaFactory({ brokers: broker.brokers, clientId: 'spark-streaming-test' });
      const files = recordFilesIn(input);
      // One partition per topic: the jobs then see each topic in file order, as the batch jobs do. The
      // generated event times are in the past, so retention must not delete them.
      const admin = factory.admin();
      await admin.createTopics([...files.keys()].map((name) => ({ name, partitions: 1, config: { 'retention.ms': '-1' } })));
      await admin.close();
      const producer = factory.producer();
      const partitioner = new RecordPartitioner();
      for (const [topic, path] of files) {
        const records = readRecordFile(path).map((r) => {
          const key = r.key === null ? null : Buffer.from(r.key);
          return { topic, partition: partitioner.partition(topic, key, 1), key, value: Buffer.from(JSON.stringify(r.value)), timestamp: r.timestamp, headers: {} };
        });
        for (let i = 0; i < records.length; i += 5000) await producer.send(records.slice(i, i + 5000));
      }
      await producer.close();

      const out = join(dir, 'stream');
      const spark = (script: string, ...args: string[]) => run(python, [join('spark', script), ...args]);
      const results = await Promise.all([
        spark('risk_signals.py', '--brokers', brokers, '--checkpoint', join(dir, 'ck-risk'), '--output', out, '--available-now', '--max-offsets-per-trigger', '1500'),
        spark('margin.py', '--brokers', brokers, '--checkpoint', join(dir, 'ck-margin'), '--output', out, '--available-now'),
        spark('risk_signals.py', '--input', input, '--output', join(dir, 'batch'), '--emit', 'all'),
        spark('margin.py', '--input', input, '--output', join(dir, 'batch')),
      ]);
      for (const r of results) expect(r.code, r.output.slice(-5_000)).toBe(0);
      expect((results[0].output.match(/^batch \d+:/gm) ?? []).length).toBeGreaterThanOrEqual(2);

      const signalFields = ['account_id', 'window_start', 'ts', 'order_rate_60s', 'rolling_notional_60s', 'top_symbol', 'top_symbol_share'];
      const signals = rows(streamed(out, 'risk_signals.v1'), signalFields);
      expect(signals.length).toBeGreaterThan(1_000);
      expect(signals).toEqual(rows(batched(join(dir, 'batch'), 'risk_signals.v1'), signalFields));
      const killFields = ['cmd_id', 'ts', 'scope', 'metric', 'value'];
      expect(rows(streamed(out, 'killswitch.commands.v1'), killFields)).toEqual(rows(batched(join(dir, 'batch'), 'killswitch.commands.v1'), killFields));

      const marginFields = ['account_id', 'ts', 'cash', 'long_mv', 'short_mv', 'beta_weighted_exposure', 'equity', 'maintenance_req', 'excess'];
      const margin = rows(streamed(out, 'margin.calc.v1'), marginFields);
      expect(margin.length).toBeGreaterThan(100);
      expect(margin).toEqual(rows(batched(join(dir, 'batch'), 'margin.calc.v1'), marginFields));
      const callFields = ['call_id', 'account_id', 'ts', 'deficiency', 'due_ts'];
      expect(rows(streamed(out, 'margin.calls.v1'), callFields)).toEqual(rows(batched(join(dir, 'batch'), 'margin.calls.v1'), callFields));
      rmSync(dir, { recursive: true, force: true }); // kept when a check fails
    } finally {
      await broker.stop();
    }
  });
});
