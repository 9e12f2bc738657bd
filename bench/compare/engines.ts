// How each compared side is started as a child process with the same configuration: Kafka Streams (Java) from
// the class path that Maven builds once into .cache/kafka-streams-java/, our engine from bench/compare/app.ts,
// and the client's pass-through ceiling from bench/compare/pass-through.ts. Every child speaks the same line
// protocol on stdout ("STATE <state>", "PROGRESS <records processed>"), read by bench/compare/child.ts.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcessingGuarantee } from '../../runtime/config.ts';
import type { TopologyKind } from './topologies.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const javaProject = join(repoRoot, 'bench', 'kafka-streams-java');
const javaCache = join(repoRoot, '.cache', 'kafka-streams-java');
const quixRequirements = join(here, 'quix', 'requirements.txt');
const quixVenv = join(repoRoot, '.cache', 'quix-venv');

export const Engine = { KAFKA_STREAMS: 'kafka-streams', RISK_STREAMS: 'risk-streams', CLIENT_CEILING: 'client-ceiling', QUIX_STREAMS: 'quix-streams' } as const;
export type Engine = (typeof Engine)[keyof typeof Engine];

export const engineLabel: Record<Engine, string> = {
  'kafka-streams': 'Kafka Streams 4.1.2 (Java 17)',
  'risk-streams': 'risk-streams (Node 24)',
  'client-ceiling': 'client pass-through ceiling (ours)',
  'quix-streams': 'Quix Streams 3.28.1 (Python 3.11)',
};

/** The topologies each side implements; Quix Streams has no global tables, so it runs (a) and (b) only. */
export function supports(engine: Engine, topology: TopologyKind): boolean {
  if (engine === 'quix-streams') return topology !== 'join';
  if (engine === 'client-ceiling') return topology === 'filter';
  return true;
}

/** One run's configuration, identical for every engine. */
export interface RunArgs {
  readonly brokers: string[];
  readonly applicationId: string;
  readonly topology: TopologyKind;
  readonly input: string;
  readonly output: string;
  readonly killSwitch?: string;
  readonly guarantee: ProcessingGuarantee;
  readonly commitIntervalMs: number;
  readonly partitions: number;
  readonly stateDir: string;
}

export interface ChildCommand {
  readonly command: string;
  readonly args: string[];
}

function javaCommand(): string {
  const home = process.env.JAVA_HOME;
  return home !== undefined && home !== '' ? join(home, 'bin', 'java') : 'java';
}

/** Hash of everything the Java build reads: a changed source or pom means a rebuild. */
function javaSourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(path).update(readFileSync(path));
    }
  };
  walk(javaProject);
  return hash.digest('hex');
}

/**
 * Builds the Kafka Streams side with Maven unless the cached build matches the sources; returns its class path.
 * The marker holds the source hash, so an interrupted or outdated build is redone rather than trusted.
 */
export function ensureJavaBuild(): string {
  const marker = join(javaCache, '.built');
  const classpath = `${join(javaCache, 'target', 'kafka-streams-compare-1.jar')}:${join(javaCache, 'libs')}/*`;
  const hash = javaSourceHash();
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === hash) return classpath;
  rmSync(javaCache, { recursive: true, force: true });
  const built = spawnSync('mvn', ['-q', '-B', '-f', join(javaProject, 'pom.xml'), 'package', 'dependency:copy-dependencies'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (built.error !== undefined || built.status !== 0) {
    throw new Error(`building bench/kafka-streams-java failed (Maven 3 and a JDK 17 are needed):\n${built.stdout ?? ''}${built.stderr ?? built.error?.message ?? ''}`);
  }
  writeFileSync(marker, `${hash}\n`);
  return classpath;
}

/** Creates .cache/quix-venv with the pinned Quix Streams from PyPI unless it already matches requirements.txt. */
export function ensureQuixVenv(): string {
  const python = join(quixVenv, 'bin', 'python');
  const marker = join(quixVenv, '.installed');
  const wanted = createHash('sha256').update(readFileSync(quixRequirements)).digest('hex');
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === wanted) return python;
  const steps: Array<[string, string[]]> = [
    ['python3', ['-m', 'venv', quixVenv]],
    [python, ['-m', 'pip', 'install', '-q', '-r', quixRequirements]],
  ];
  for (const [command, args] of steps) {
    const done = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (done.error !== undefined || done.status !== 0) {
      throw new Error(`setting up Quix Streams in ${quixVenv} failed (Python 3.9+ with venv and pip is needed):\n${done.stdout ?? ''}${done.stderr ?? done.error?.message ?? ''}`);
    }
  }
  writeFileSync(marker, `${wanted}\n`);
  return python;
}

export interface EngineOptions {
  /** Extra JVM flags for the Kafka Streams side (JVM defaults otherwise, as a user would start it). */
  readonly javaOptions?: readonly string[];
  /** Extra Node flags for our side, e.g. --cpu-prof. */
  readonly nodeOptions?: readonly string[];
}

export function engineCommand(engine: Engine, run: RunArgs, options: EngineOptions = {}): ChildCommand {
  switch (engine) {
    case 'kafka-streams': {
      const classpath = ensureJavaBuild();
      const args = [
        ...(options.javaOptions ?? []),
        '-cp',
        classpath,
        'riskstreams.bench.CompareApp',
        '--topology',
        run.topology,
        '--bootstrap-servers',
        run.brokers.join(','),
        '--application-id',
        run.applicationId,
        '--input-topic',
        run.input,
        '--output-topic',
        run.output,
        '--processing-guarantee',
        run.guarantee,
        '--commit-interval-ms',
        String(run.commitIntervalMs),
        '--state-dir',
        run.stateDir,
      ];
      if (run.killSwitch !== undefined) args.push('--killswitch-topic', run.killSwitch);
      return { command: javaCommand(), args };
    }
    case 'risk-streams':
      // process.execPath: the Node binary itself, so the child's pid is the process that does the work.
      return { command: process.execPath, args: [...(options.nodeOptions ?? []), join(here, 'app.ts'), JSON.stringify(run)] };
    case 'client-ceiling':
      return { command: process.execPath, args: [...(options.nodeOptions ?? []), join(here, 'pass-through.ts'), JSON.stringify(run)] };
    case 'quix-streams':
      return { command: ensureQuixVenv(), args: [join(here, 'quix', 'app.py'), JSON.stringify(run)] };
  }
}
