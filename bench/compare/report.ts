// The compare run as markdown (to paste into BENCHMARKS.md) and as the JSON kept under bench/results/.

import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { KAFKA_VERSION } from '../../scripts/kafka/broker.ts';
import type { CellResult, CompareOptions, CompareResult, Stat } from './compare.ts';
import { topologyLabel } from './topologies.ts';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly java: string;
  readonly kafka: string;
  readonly os: string;
  /** 1, 5 and 15-minute load averages when the run started: other work on a shared machine shows here. */
  readonly loadAverage: number[];
}

export function describeMachine(): Machine {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const kernel = spawnSync('uname', ['-sr'], { encoding: 'utf8' });
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    java: (java.stderr ?? '').split('\n')[0]?.trim() ?? 'unknown',
    kafka: KAFKA_VERSION,
    os: kernel.stdout?.trim() ?? 'unknown',
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

const n = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—');
const k = (v: number) => (Number.isFinite(v) ? `${(v / 1000).toFixed(0)}k` : '—');
const range = (s: Stat, f: (v: number) => string) => `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
const ratio = (ours: number, theirs: number) => (theirs > 0 && Number.isFinite(ours) ? `**${(ours / theirs).toFixed(2)}×**` : '—');
const ms = (v: number) => (Number.isFinite(v) ? (v < 10 ? v.toFixed(1) : v.toFixed(0)) : '—');

function find(cells: readonly CellResult[], engine: string, topology: string, guarantee: string | null): CellResult | undefined {
  return cells.find((c) => c.engine === engine && c.topology === topology && c.guarantee === guarantee);
}

const broker = (c: CellResult | undefined) => (c?.brokerCpuSecondsPerMillion == null ? '—' : c.brokerCpuSecondsPerMillion.median.toFixed(2));

function checkNote(c: CellResult | undefined): string {
  if (c === undefined) return '—';
  if (c.complete) return 'ok';
  const bad = c.runs.filter((r) => !r.check.ok).map((r) => `gaps ${r.check.gaps}, dups ${r.check.duplicates}, unexpected ${r.check.unexpected}`);
  return `FAILED (${bad.join('; ')})`;
}

export function markdownReport(result: CompareResult, options: CompareOptions, machine: Machine): string {
  const lines: string[] = [];
  const { cells } = result;
  lines.push(
    `Machine: ${machine.cores} vCPUs (${machine.cpu}), ${machine.memoryGiB} GiB, ${machine.os}; Node ${machine.node}; ${machine.java}; ` +
      `one local Kafka ${machine.kafka} broker (KRaft, 1 GiB G1 heap) on the same cores. ` +
      `Load average at the start: ${machine.loadAverage.join(', ')}.`,
    '',
    `Input: ${result.records.toLocaleString('en-US')} measured order records of ~${result.recordBytes} B per run after ` +
      `${result.warmUpRecords.toLocaleString('en-US')} warm-up records, ${options.partitions} partitions, ${options.runs} runs per cell ` +
      `(a fresh app process each), median (min–max). One stream thread on each side; commit.interval.ms ` +
      `${options.commitIntervalMs.at_least_once} (at_least_once) / ${options.commitIntervalMs.exactly_once_v2} (exactly_once_v2); ` +
      'RocksDB stores on both sides; JVM and Node with default flags.',
    '',
    '**Per core** = records per CPU-second of the app process (user + system time of all its threads, from /proc/<pid>/stat, ' +
      'over the measured stretch); CPU-s/M = CPU seconds per million records. Wall rec/s = the same stretch by the clock, ' +
      'with the broker sharing the two cores; broker CPU-s/M is the broker process over the same stretch. Output checked by an ' +
      'independent consumer (read_committed under EOS).',
    '',
    '| topology | guarantee | Kafka Streams rec/CPU-s | ours rec/CPU-s | ours ÷ KS | KS CPU-s/M | ours CPU-s/M | KS wall rec/s | ours wall rec/s | KS peak RSS MB | ours peak RSS MB | broker CPU-s/M (KS / ours) | output |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  const ceiling = find(cells, 'client-ceiling', 'filter', null);
  const pairs = new Map<string, { topology: string; guarantee: string }>();
  for (const c of cells) if (c.guarantee !== null) pairs.set(`${c.topology}/${c.guarantee}`, { topology: c.topology, guarantee: c.guarantee });
  for (const { topology, guarantee } of pairs.values()) {
    const ks = find(cells, 'kafka-streams', topology, guarantee);
    const ours = find(cells, 'risk-streams', topology, guarantee);
    const output = ks?.complete === true && ours?.complete === true ? 'complete, no gaps/dups' : `KS ${checkNote(ks)}; ours ${checkNote(ours)}`;
    lines.push(
      `| ${topologyLabel[topology as keyof typeof topologyLabel]} | ${guarantee} | ${ks ? range(ks.recordsPerCpuSecond, k) : '—'} | ${ours ? range(ours.recordsPerCpuSecond, k) : '—'} | ` +
        `${ratio(ours?.recordsPerCpuSecond.median ?? NaN, ks?.recordsPerCpuSecond.median ?? NaN)} | ${ks ? ks.cpuSecondsPerMillion.median.toFixed(2) : '—'} | ` +
        `${ours ? ours.cpuSecondsPerMillion.median.toFixed(2) : '—'} | ${ks ? range(ks.recordsPerSecond, k) : '—'} | ${ours ? range(ours.recordsPerSecond, k) : '—'} | ` +
        `${ks ? n(ks.peakRssMb.median) : '—'} | ${ours ? n(ours.peakRssMb.median) : '—'} | ${broker(ks)} / ${broker(ours)} | ${output} |`,
    );
  }
  if (ceiling !== undefined) {
    lines.push(
      `| client pass-through ceiling for (a) (ours, no engine, no commits) | — | — | ${range(ceiling.recordsPerCpuSecond, k)} | — | — | ` +
        `${ceiling.cpuSecondsPerMillion.median.toFixed(2)} | — | ${range(ceiling.recordsPerSecond, k)} | — | ${n(ceiling.peakRssMb.median)} | — / ${broker(ceiling)} | ` +
        `${checkNote(ceiling) === 'ok' ? 'complete' : checkNote(ceiling)} |`,
    );
    const lines2: string[] = [];
    for (const g of ['at_least_once', 'exactly_once_v2']) {
      const ours = find(cells, 'risk-streams', 'filter', g);
      if (ours !== undefined) {
        lines2.push(
          `ours (a) ${g} ÷ ceiling: ${(ours.recordsPerCpuSecond.median / ceiling.recordsPerCpuSecond.median).toFixed(2)} per core, ` +
            `${(ours.recordsPerSecond.median / ceiling.recordsPerSecond.median).toFixed(2)} by the clock`,
        );
      }
    }
    if (lines2.length > 0) lines.push('', ...lines2.map((l) => `- ${l}`));
  }

  const quix = cells.filter((c) => c.engine === 'quix-streams');
  if (quix.length > 0) {
    lines.push(
      '',
      'Quix Streams 3.28.1 (Python 3.11, confluent-kafka, RocksDB state) on the same input and configuration; its window ' +
        'emits every update (`.current()`), having no record cache.',
      '',
      '| topology | guarantee | Quix rec/CPU-s | ours ÷ Quix | Quix wall rec/s | Quix peak RSS MB | output |',
      '|---|---|---:|---:|---:|---:|---|',
    );
    for (const q of quix) {
      const ours = find(cells, 'risk-streams', q.topology, q.guarantee);
      lines.push(
        `| ${topologyLabel[q.topology]} | ${q.guarantee} | ${range(q.recordsPerCpuSecond, k)} | ${ratio(ours?.recordsPerCpuSecond.median ?? NaN, q.recordsPerCpuSecond.median)} | ` +
          `${range(q.recordsPerSecond, k)} | ${n(q.peakRssMb.median)} | ${q.complete ? 'complete, no gaps/dups' : checkNote(q)} |`,
      );
    }
  }

  const withLatency = cells.filter((c) => c.latency !== null);
  if (withLatency.length > 0) {
    lines.push(
      '',
      'End-to-end latency (record timestamp = when the paced producer was due to send it → arrival at the output consumer), ' +
        'at 50 % and 80 % of the slower side\'s median wall rate for the cell, the same offered load for both; p50 / p99 in ms. ' +
        'The paced producer and this consumer run in the harness on the same two cores: where "produced" falls short of ' +
        'the offered rate, the machine as a whole was saturated and the figures say so.',
      '',
      '| topology | guarantee | offered rec/s | Kafka Streams p50 / p99 | ours p50 / p99 | ours ÷ KS (p50, p99) | produced rec/s (KS / ours) |',
      '|---|---|---:|---:|---:|---:|---:|',
    );
    for (const { topology, guarantee } of pairs.values()) {
      const ks = find(cells, 'kafka-streams', topology, guarantee)?.latency;
      const ours = find(cells, 'risk-streams', topology, guarantee)?.latency;
      const levels = (ks ?? ours ?? []).length;
      for (let i = 0; i < levels; i++) {
        const a = ks?.[i];
        const b = ours?.[i];
        const both = (l: typeof a) => (l === undefined ? '—' : `${ms(l.p50Ms)} / ${ms(l.p99Ms)}`);
        const r = a !== undefined && b !== undefined ? `${(b.p50Ms / a.p50Ms).toFixed(2)}×, ${(b.p99Ms / a.p99Ms).toFixed(2)}×` : '—';
        const produced = `${a === undefined ? '—' : n(a.producedRate)} / ${b === undefined ? '—' : n(b.producedRate)}`;
        lines.push(`| ${topologyLabel[topology as keyof typeof topologyLabel]} | ${guarantee} | ${n((a ?? b)!.rate)} | ${both(a)} | ${both(b)} | ${r} | ${produced} |`);
      }
    }
  }
  return lines.join('\n');
}
