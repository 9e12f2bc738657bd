// Crash tests in the manner of Kafka's own streams system tests: instances run as child processes, one is
// killed with SIGKILL while input keeps arriving, a replacement starts, and a verifier reads the outputs
// (read_committed) once the input is processed. at_least_once may repeat records but never lose one;
// exactly_once_v2 must show every input exactly once and every count update exactly once.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { J, L, S } from '../../helpers/driver.ts';
import { createTopics, eventually, kafkaBrokers, kafkaFactory, produce, readTopic, uniqueName } from '../../helpers/kafka.ts';
import type { AppProcessArgs } from './app-process.ts';

const children = new Set<ChildProcess>();
afterEach(async () => {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  children.clear();
});

function startInstance(args: AppProcessArgs, name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'app-process.ts'), JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  // Each instance's log stays on disk for when a run fails.
  child.stderr!.pipe(createWriteStream(join(tmpdir(), `${args.applicationId}-${name}.log`)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance ${name} did not reach RUNNING`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('RUNNING')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`instance ${name} exited with ${code} before RUNNING`)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function crashRun(guarantee: AppProcessArgs['guarantee'], total: number) {
  const args: AppProcessArgs = {
    brokers: kafkaBrokers(),
    applicationId: uniqueName(`crash-${guarantee === 'exactly_once_v2' ? 'eos' : 'alo'}`),
    guarantee,
    input: uniqueName('crash-in'),
    output: uniqueName('crash-out'),
    counts: uniqueName('crash-counts'),
  };
  await createTopics({ name: args.input, partitions: 4 }, { name: args.output, partitions: 4 }, { name: args.counts, partitions: 4 });
  const a = await startInstance(args, 'a');
  const b = await startInstance(args, 'b');

  const batches = 20;
  const perBatch = total / batches;
  for (let i = 0; i < batches; i++) {
    await produce(
      args.input,
      4,
      Array.from({ length: perBatch }, (_, j) => {
        const seq = i * perBatch + j;
        return { key: `k-${seq % 31}`, value: J.serialize({ seq })!, timestamp: 1_000 + seq };
      }),
    );
    // Killed mid-stream, with transactions and commits in flight, twice; each time a replacement joins.
    if (i === 5) a.kill('SIGKILL');
    if (i === 8) await startInstance(args, 'c');
    if (i === 12) b.kill('SIGKILL');
    if (i === 15) await startInstance(args, 'd');
    await sleep(100);
  }

  const out = await eventually(
    async () => {
      const records = await readTopic(args.output, 4);
      return new Set(records.map((r) => (J.deserialize(r.value) as { seq: number }).seq)).size === total ? records : undefined;
    },
    120_000,
    `all ${total} inputs in the output`,
  );
  // Let anything still in flight land before judging duplicates.
  await sleep(1500);
  const counts = await readTopic(args.counts, 4);
  return { out: await readTopic(args.output, 4), firstComplete: out, counts };
}

function countUpdates(counts: Awaited<ReturnType<typeof crashRun>>['counts']) {
  const byGroup = new Map<string, number[]>();
  for (const r of counts) {
    const key = S.deserialize(r.key)!;
    let list = byGroup.get(key);
    if (list === undefined) byGroup.set(key, (list = []));
    list.push(L.deserialize(r.value)!);
  }
  return byGroup;
}

const expectedPerGroup = (total: number, g: number) => Math.floor((total - 1 - g) / 7) + 1;

describe('crash recovery on a real broker', () => {
  it('at_least_once: instances killed mid-stream, twice, lose nothing', async () => {
    const total = 10_000;
    const { out, counts } = await crashRun('at_least_once', total);
    const seen = new Set(out.map((r) => (J.deserialize(r.value) as { seq: number }).seq));
    expect(seen.size).toBe(total);
    // Replays may count twice, never less: each group's last count reaches at least its input count.
    for (const [group, updates] of countUpdates(counts)) {
      expect(Math.max(...updates)).toBeGreaterThanOrEqual(expectedPerGroup(total, Number(group.slice(2))));
    }
  });

  it('exactly_once_v2: instances killed mid-stream, twice, change nothing in the committed output', async () => {
    const total = 10_000;
    const { out, counts } = await crashRun('exactly_once_v2', total);
    const seqs = out.map((r) => (J.deserialize(r.value) as { seq: number }).seq).sort((x, y) => x - y);
    expect(seqs.length).toBe(total);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i));
    // Every count update exactly once, in order: 1, 2, 3 … n for each group.
    const updates = countUpdates(counts);
    expect(updates.size).toBe(7);
    for (const [group, list] of updates) {
      const n = expectedPerGroup(total, Number(group.slice(2)));
      expect(list).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    }
  });

  it('SIGTERM: the instance commits, leaves the group and exits cleanly', async () => {
    const args: AppProcessArgs = {
      brokers: kafkaBrokers(),
      applicationId: uniqueName('sigterm'),
      guarantee: 'at_least_once',
      input: uniqueName('term-in'),
      output: uniqueName('term-out'),
      counts: uniqueName('term-counts'),
    };
    await createTopics({ name: args.input, partitions: 2 }, { name: args.output, partitions: 2 }, { name: args.counts, partitions: 2 });
    const child = await startInstance(args, 'only');
    await produce(args.input, 2, Array.from({ length: 1000 }, (_, seq) => ({ key: `k-${seq % 31}`, value: J.serialize({ seq })!, timestamp: 1_000 + seq })));
    await eventually(async () => ((await readTopic(args.output, 2)).length >= 1000 ? true : undefined));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const member = kafkaFactory().member(args.applicationId, { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000 });
    const tps = [0, 1].map((partition) => ({ topic: args.input, partition }));
    const [committed, ends] = [await member.committed(tps), await member.endOffsets(tps)];
    await member.close();
    expect(committed).toEqual(ends);
  });
});
