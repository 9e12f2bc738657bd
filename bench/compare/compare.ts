// Kafka Streams (Java) against our engine on one local broker, same input, same configuration, one engine at a
// time as a child process. Per run: the app starts on a preloaded topic, the first `warmUpRecords` are left out,
// CPU seconds and wall time are taken over the next `records` (while the backlog keeps the app busy), and the
// independent consumer checks the whole output for gaps and duplicates. Then, per cell, latency at fixed
// fractions of the slower side's peak. bench/compare/main.ts is the command line; the test runs a tiny one.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConsumedRecord } from '../../common/record.ts';
import type { ProcessingGuarantee } from '../../runtime/config.ts';
import { PlatformaticKafkaFactory } from '../../runtime/kafka/kafka-adapter.ts';
import { IsolationLevel, type OutgoingRecord, type TopicSpec } from '../../runtime/kafka/ports.ts';
import { RecordPartitioner } from '../../runtime/record-partitioner.ts';
import { fullSpeedJvm, startBroker } from '../../scripts/kafka/broker.ts';
import { median } from '../fixtures.ts';
import { EngineProcess, type Sample } from './child.ts';
import { Engine, engineCommand, ensureJavaBuild, ensureQuixVenv, type RunArgs, supports } from './engines.ts';
import { compareOrders, expectedOutput, killSwitchEntries, type OutputExpectation } from './input.ts';
import { type LatencyLevel, measureLatency } from './latency.ts';
import { checkOutput, type OutputCheck } from './output-check.ts';
import { type TopologyKind, WINDOW_STORE } from './topologies.ts';

export interface LatencyPlan {
  /** Offered loads as fractions of the slower side's median peak records/s in the throughput runs. */
  readonly fractions: readonly number[];
  /**
   * Orders (with their old timestamps, so they fall outside every measured level) waiting in the input before the
   * app starts: it works through them at full speed, which warms a JIT far faster than paced traffic does.
   */
  readonly backlogRecords: number;
  /** Paced at the first rate after the backlog, before the first level. */
  readonly warmUpMs: number;
  readonly levelMs: number;
  readonly settleMs: number;
}

export interface CompareOptions {
  /** A running broker; a local one is started (and stopped) when absent. */
  readonly brokers?: string[];
  /** Records measured per run, after the warm-up. */
  readonly records: number;
  /** Records each app processes before measuring starts (JIT, caches, connections). */
  readonly warmUpRecords: number;
  readonly runs: number;
  readonly partitions: number;
  readonly topologies: readonly TopologyKind[];
  readonly guarantees: readonly ProcessingGuarantee[];
  readonly engines: readonly Engine[];
  /** Also run the client's pass-through ceiling (the limit for topology (a)). */
  readonly ceiling: boolean;
  /** commit.interval.ms per guarantee, the same for every engine. */
  readonly commitIntervalMs: Readonly<Record<ProcessingGuarantee, number>>;
  readonly latency: LatencyPlan | null;
  readonly javaOptions?: readonly string[];
  readonly nodeOptions?: readonly string[];
  /** Where the children's stderr goes; a temporary directory when absent. */
  readonly logDir?: string;
  /** Longest a run may take to reach each mark. */
  readonly runTimeoutMs: number;
  readonly log?: (line: string) => void;
}

export const defaultCompareOptions = {
  // Sized so the whole default run (6 cells × 3 runs × 2 sides, the ceiling, latency) takes ~13 minutes on 2 cores.
  // The JVM's JIT needs ~300k records before Kafka Streams' per-record cost settles.
  records: 200_000,
  warmUpRecords: 300_000,
  runs: 3,
  partitions: 4,
  topologies: ['filter', 'window', 'join'],
  guarantees: ['at_least_once', 'exactly_once_v2'],
  engines: [Engine.KAFKA_STREAMS, Engine.RISK_STREAMS],
  ceiling: true,
  // Kafka Streams' exactly_once_v2 default; at_least_once at 1 s rather than 30 s so windows flush within a run.
  commitIntervalMs: { at_least_once: 1_000, exactly_once_v2: 100 },
  latency: { fractions: [0.5, 0.8], backlogRecords: 150_000, warmUpMs: 2_000, levelMs: 4_000, settleMs: 1_000 },
  runTimeoutMs: 300_000,
} satisfies CompareOptions;

export interface Stat {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface RunMeasurement {
  /** Records processed between the two marks. */
  readonly records: number;
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  readonly cpuSecondsPerMillion: number;
  readonly recordsPerCpuSecond: number;
  readonly recordsPerSecond: number;
  /** The broker's CPU seconds per million records over the same stretch (null with an outside broker). */
  readonly brokerCpuSecondsPerMillion: number | null;
  /** Milliseconds from spawning the process to its first processed record. */
  readonly startupMs: number;
  readonly rssMb: number;
  readonly peakRssMb: number;
  readonly check: OutputCheck;
}

export interface CellResult {
  readonly topology: TopologyKind;
  /** null for the ceiling, which runs topology (a) without an engine and commits nothing. */
  readonly guarantee: ProcessingGuarantee | null;
  readonly engine: Engine;
  readonly runs: RunMeasurement[];
  readonly recordsPerCpuSecond: Stat;
  readonly cpuSecondsPerMillion: Stat;
  readonly recordsPerSecond: Stat;
  readonly peakRssMb: Stat;
  readonly brokerCpuSecondsPerMillion: Stat | null;
  /** Every run's output complete, without gaps or duplicates. */
  readonly complete: boolean;
  readonly latency: LatencyLevel[] | null;
}

export interface CompareResult {
  readonly records: number;
  readonly warmUpRecords: number;
  readonly recordBytes: number;
  readonly cells: CellResult[];
}

function stat(values: readonly number[]): Stat {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

const STOP_GRACE_MS = 3_000;

const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The busy stretch of a run: from the first sample past the warm-up to the last one before the backlog ran out. */
function measuredStretch(samples: readonly Sample[], warmUp: number, total: number): { from: Sample; to: Sample } {
  const last = samples.findIndex((s) => s.processed >= total);
  let from = samples.find((s) => s.processed >= Math.max(1, warmUp))!;
  let to = samples[last - 1];
  if (to === undefined || to.processed <= from.processed) to = samples[last];
  // A tiny run may pass the warm-up and the end within one progress interval: fall back to the whole run.
  if (to.processed <= from.processed) from = samples.find((s) => s.processed > 0)!;
  return { from, to };
}

class Session {
  readonly #o: CompareOptions;
  readonly #brokers: string[];
  readonly #factory: PlatformaticKafkaFactory;
  readonly #stamp = Date.now().toString(36);
  readonly #logDir: string;
  readonly #log: (line: string) => void;
  readonly #input: string;
  readonly #killSwitch: string;
  #expectations = new Map<TopologyKind, OutputExpectation>();
  #template: ConsumedRecord[] = [];
  recordBytes = 0;

  readonly #brokerPid: number | undefined;

  constructor(options: CompareOptions, brokers: string[], brokerPid: number | undefined) {
    this.#o = options;
    this.#brokerPid = brokerPid;
    this.#brokers = brokers;
    this.#factory = new PlatformaticKafkaFactory({ brokers, clientId: 'bench-compare' });
    this.#logDir = options.logDir ?? mkdtempSync(join(tmpdir(), 'bench-compare-logs-'));
    mkdirSync(this.#logDir, { recursive: true });
    this.#log = options.log ?? (() => {});
    this.#input = `compare-orders-${this.#stamp}`;
    this.#killSwitch = `compare-killswitch-${this.#stamp}`;
  }

  async #createTopics(specs: TopicSpec[]): Promise<void> {
    const admin = this.#factory.admin();
    try {
      await admin.createTopics(specs);
    } finally {
      await admin.close();
    }
  }

  async #deleteTopics(names: string[]): Promise<void> {
    const admin = this.#factory.admin();
    try {
      const present = await admin.partitionCounts(names);
      await admin.deleteTopics([...present.keys()]);
    } catch (error) {
      this.#log(`  (could not delete ${names.join(', ')}: ${String(error)})`);
    } finally {
      await admin.close();
    }
  }

  async #produce(topic: string, partitions: number, records: ReadonlyArray<Pick<OutgoingRecord, 'key' | 'value' | 'timestamp'>>): Promise<void> {
    const producer = this.#factory.producer();
    const partitioner = new RecordPartitioner();
    try {
      for (let i = 0; i < records.length; i += 10_000) {
        await producer.send(
          records.slice(i, i + 10_000).map((r) => ({ topic, partition: partitioner.partition(topic, r.key, partitions), key: r.key, value: r.value, timestamp: r.timestamp, headers: {} })),
        );
      }
    } finally {
      await producer.close();
    }
  }

  /** One input for every run: the orders (warm-up then measured) and the kill-switch table. */
  async preload(): Promise<void> {
    const o = this.#o;
    const total = o.warmUpRecords + o.records;
    const started = performance.now();
    const records = compareOrders(total, this.#input);
    this.recordBytes = Math.round(records.reduce((n, r) => n + r.value!.length, 0) / records.length);
    // Records carry 2024 timestamps: without retention.ms=-1 the broker's 7-day retention could delete them mid-run.
    await this.#createTopics([
      { name: this.#input, partitions: o.partitions, config: { 'retention.ms': '-1' } },
      { name: this.#killSwitch, partitions: 1 },
    ]);
    await this.#produce(this.#input, o.partitions, records);
    const now = Date.now();
    await this.#produce(this.#killSwitch, 1, killSwitchEntries().map((e, i) => ({ key: Buffer.from(e.key), value: Buffer.from(e.value), timestamp: now + i })));
    for (const kind of new Set(o.topologies)) this.#expectations.set(kind, expectedOutput(kind, records));
    this.#template = records.slice(0, Math.min(records.length, Math.max(o.latency?.backlogRecords ?? 0, 100_000)));
    this.#log(`preloaded ${total.toLocaleString('en-US')} orders of ~${this.recordBytes} B into ${o.partitions} partitions in ${round((performance.now() - started) / 1000, 1)} s`);
  }

  #runArgs(engine: Engine, topology: TopologyKind, guarantee: ProcessingGuarantee | null, tag: string, input = this.#input): RunArgs {
    const applicationId = `cmp-${tag}-${engine}-${this.#stamp}`;
    return {
      brokers: this.#brokers,
      applicationId,
      topology,
      input,
      output: `${applicationId}-out`,
      killSwitch: topology === 'join' ? this.#killSwitch : undefined,
      guarantee: guarantee ?? 'at_least_once',
      commitIntervalMs: this.#o.commitIntervalMs[guarantee ?? 'at_least_once'],
      partitions: this.#o.partitions,
      stateDir: mkdtempSync(join(tmpdir(), `bench-compare-state-`)),
    };
  }

  async #cleanUp(run: RunArgs, extraTopics: string[] = []): Promise<void> {
    const internal = run.topology === 'window' ? [`${run.applicationId}-${WINDOW_STORE}-changelog`] : [];
    await this.#deleteTopics([run.output, ...internal, ...extraTopics]);
    rmSync(run.stateDir, { recursive: true, force: true });
  }

  async throughputRun(engine: Engine, topology: TopologyKind, guarantee: ProcessingGuarantee | null, runIndex: number): Promise<RunMeasurement> {
    const o = this.#o;
    const tag = `${topology}-${guarantee === 'exactly_once_v2' ? 'eos' : guarantee === null ? 'raw' : 'alo'}-${runIndex}`;
    const run = this.#runArgs(engine, topology, guarantee, tag);
    const total = o.warmUpRecords + o.records;
    await this.#createTopics([{ name: run.output, partitions: o.partitions, config: { 'retention.ms': '-1' } }]);
    const spawned = performance.now();
    const child = new EngineProcess(engineCommand(engine, run, o), join(this.#logDir, `${run.applicationId}.log`), this.#brokerPid);
    try {
      const first = await child.waitForProcessed(1, o.runTimeoutMs);
      await child.waitForProcessed(total, o.runTimeoutMs);
      const mem = child.memory();
      const { from, to } = measuredStretch(child.samples, o.warmUpRecords, total);
      const isolation = guarantee === 'exactly_once_v2' ? IsolationLevel.READ_COMMITTED : IsolationLevel.READ_UNCOMMITTED;
      const check = await checkOutput(this.#factory, run.output, o.partitions, isolation, this.#expectations.get(topology)!, o.commitIntervalMs.at_least_once + 20_000);
      const records = to.processed - from.processed;
      const cpuSeconds = to.cpuSeconds - from.cpuSeconds;
      const wallSeconds = (to.atMs - from.atMs) / 1000;
      const m: RunMeasurement = {
        records,
        cpuSeconds: round(cpuSeconds, 2),
        wallSeconds: round(wallSeconds, 3),
        cpuSecondsPerMillion: round((cpuSeconds / records) * 1e6, 2),
        recordsPerCpuSecond: Math.round(records / cpuSeconds),
        recordsPerSecond: Math.round(records / wallSeconds),
        brokerCpuSecondsPerMillion: this.#brokerPid === undefined ? null : round(((to.watchedCpuSeconds - from.watchedCpuSeconds) / records) * 1e6, 2),
        startupMs: Math.round(first.atMs - spawned),
        rssMb: round(mem.rssBytes / 1048576),
        peakRssMb: round(mem.peakRssBytes / 1048576),
        check,
      };
      this.#log(
        `  ${engine.padEnd(14)} ${tag.padEnd(16)} ${String(m.recordsPerCpuSecond).padStart(7)} rec/CPU-s  ${String(m.recordsPerSecond).padStart(7)} rec/s  ` +
          `${m.peakRssMb} MB peak RSS  broker ${m.brokerCpuSecondsPerMillion ?? '?'} CPU-s/M  output ${check.ok ? 'complete' : `NOT complete (gaps ${check.gaps}, duplicates ${check.duplicates}, unexpected ${check.unexpected})`}`,
      );
      return m;
    } finally {
      // Each run has its own application id, so a clean leave of the group buys nothing; a short grace saves time.
      await child.stop(STOP_GRACE_MS);
      await this.#cleanUp(run);
    }
  }

  async latencyRun(engine: Engine, topology: TopologyKind, guarantee: ProcessingGuarantee, rates: number[]): Promise<LatencyLevel[]> {
    const plan = this.#o.latency!;
    const tag = `${topology}-${guarantee === 'exactly_once_v2' ? 'eos' : 'alo'}-lat`;
    const input = `cmp-${tag}-${engine}-${this.#stamp}-in`;
    const run = this.#runArgs(engine, topology, guarantee, tag, input);
    await this.#createTopics([
      { name: input, partitions: this.#o.partitions, config: { 'retention.ms': '-1' } },
      { name: run.output, partitions: this.#o.partitions, config: { 'retention.ms': '-1' } },
    ]);
    const backlog = this.#template.slice(0, plan.backlogRecords);
    await this.#produce(input, this.#o.partitions, backlog);
    const child = new EngineProcess(engineCommand(engine, run, this.#o), join(this.#logDir, `${run.applicationId}.log`));
    try {
      await child.waitForProcessed(backlog.length, this.#o.runTimeoutMs);
      const levels = await measureLatency({
        factory: this.#factory,
        input,
        output: run.output,
        partitions: this.#o.partitions,
        isolation: guarantee === 'exactly_once_v2' ? IsolationLevel.READ_COMMITTED : IsolationLevel.READ_UNCOMMITTED,
        template: this.#template,
        rates,
        warmUpMs: plan.warmUpMs,
        levelMs: plan.levelMs,
        settleMs: plan.settleMs,
        drainMs: run.commitIntervalMs + 1_000,
      });
      for (const l of levels) {
        this.#log(`  ${engine.padEnd(14)} ${tag.padEnd(16)} at ${l.rate} rec/s (produced ${l.producedRate}): p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms, ${l.samples} samples`);
      }
      return levels;
    } finally {
      await child.stop(STOP_GRACE_MS);
      await this.#cleanUp(run, [input]);
    }
  }

  async close(): Promise<void> {
    await this.#deleteTopics([this.#input, this.#killSwitch]);
  }
}

function cell(topology: TopologyKind, guarantee: ProcessingGuarantee | null, engine: Engine, runs: RunMeasurement[]): CellResult {
  return {
    topology,
    guarantee,
    engine,
    runs,
    recordsPerCpuSecond: stat(runs.map((r) => r.recordsPerCpuSecond)),
    cpuSecondsPerMillion: stat(runs.map((r) => r.cpuSecondsPerMillion)),
    recordsPerSecond: stat(runs.map((r) => r.recordsPerSecond)),
    peakRssMb: stat(runs.map((r) => r.peakRssMb)),
    brokerCpuSecondsPerMillion: runs.every((r) => r.brokerCpuSecondsPerMillion !== null) ? stat(runs.map((r) => r.brokerCpuSecondsPerMillion!)) : null,
    complete: runs.every((r) => r.check.ok),
    latency: null,
  };
}

export async function runCompare(input: Partial<CompareOptions> = {}): Promise<CompareResult> {
  const o: CompareOptions = { ...defaultCompareOptions, ...input };
  const log = o.log ?? (() => {});
  if (o.engines.includes(Engine.KAFKA_STREAMS)) {
    log('building bench/kafka-streams-java (cached after the first time)…');
    ensureJavaBuild();
  }
  if (o.engines.includes(Engine.QUIX_STREAMS)) {
    log('installing Quix Streams into .cache/quix-venv (cached after the first time)…');
    ensureQuixVenv();
  }
  const broker = o.brokers === undefined ? await startBroker({ jvmOptions: fullSpeedJvm }) : null;
  if (broker !== null) log(`Kafka broker on ${broker.brokers.join(',')} (started in ${broker.startupMs} ms)`);
  const session = new Session(o, o.brokers ?? broker!.brokers, broker?.pid);
  try {
    await session.preload();
    const cells: CellResult[] = [];
    if (o.ceiling) {
      log('client pass-through ceiling (topology (a), no engine):');
      const runs: RunMeasurement[] = [];
      for (let r = 0; r < o.runs; r++) runs.push(await session.throughputRun(Engine.CLIENT_CEILING, 'filter', null, r));
      cells.push(cell('filter', null, Engine.CLIENT_CEILING, runs));
    }
    for (const topology of o.topologies) {
      for (const guarantee of o.guarantees) {
        log(`${topology}, ${guarantee}:`);
        const engines = o.engines.filter((e) => supports(e, topology));
        const runs = new Map<Engine, RunMeasurement[]>(engines.map((e) => [e, []]));
        for (let r = 0; r < o.runs; r++) {
          // Alternate who goes first, so drift on a shared machine does not always favour the same side.
          const order = r % 2 === 0 ? engines : [...engines].reverse();
          for (const engine of order) runs.get(engine)!.push(await session.throughputRun(engine, topology, guarantee, r));
        }
        const results = engines.map((e) => cell(topology, guarantee, e, runs.get(e)!));
        // Latency compares the two main sides at the same offered load: fractions of the slower one's peak, which
        // both can sustain. Quix Streams, an order of magnitude slower, would pull that load down for both; it is
        // measured for throughput only.
        const paired = results.filter((c) => c.engine === Engine.KAFKA_STREAMS || c.engine === Engine.RISK_STREAMS);
        if (o.latency !== null && o.latency.fractions.length > 0 && paired.length > 0) {
          const peak = Math.min(...paired.map((c) => c.recordsPerSecond.median));
          const rates = o.latency.fractions.map((f) => Math.round(f * peak));
          for (const c of results) cells.push(paired.includes(c) ? { ...c, latency: await session.latencyRun(c.engine, topology, guarantee, rates) } : c);
        } else {
          cells.push(...results);
        }
      }
    }
    return { records: o.records, warmUpRecords: o.warmUpRecords, recordBytes: session.recordBytes, cells };
  } finally {
    await session.close().catch(() => {});
    await broker?.stop();
  }
}
