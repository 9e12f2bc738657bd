// A real single-node Apache Kafka (KRaft, broker and controller in one JVM, bound to 127.0.0.1) for the
// integration tests and local development, started from the pinned server jars of scripts/kafka/pom.xml.
// Run it by hand with `node scripts/kafka/broker.ts [--port N]`; it stops on Ctrl-C.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { freePort, javaCommand, killGroup } from '../common/processes.ts';

export { freePort };

/** Keep in step with `kafka.version` in pom.xml. */
export const KAFKA_VERSION = '4.1.2';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');

export interface BrokerOptions {
  /** Client port; a free one is picked when absent. */
  readonly port?: number;
  /** Where the jars are cached; default `<repo>/.cache/kafka/<version>/libs`. */
  readonly libsDir?: string;
  /** Log directory; default a fresh temporary directory, removed on stop. */
  readonly logDir?: string;
  /** Extra server.properties entries, over the defaults below. */
  readonly properties?: Readonly<Record<string, string | number>>;
  /** Milliseconds to wait for the broker to serve metadata. */
  readonly startTimeoutMs?: number;
  /**
   * JVM flags. The default favours a quick start (C1 only, serial GC, about half the start time) over
   * peak throughput; benchmarks pass `fullSpeedJvm`.
   */
  readonly jvmOptions?: readonly string[];
}

export const quickStartJvm = ['-Xms256m', '-Xmx1g', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'] as const;
export const fullSpeedJvm = ['-Xms1g', '-Xmx1g', '-XX:+UseG1GC'] as const;

export interface RunningBroker {
  /** `host:port` strings, the form @platformatic/kafka's bootstrapBrokers takes. */
  readonly brokers: string[];
  readonly logDir: string;
  readonly pid: number;
  /** Milliseconds from spawning the JVM to a broker that answers metadata requests. */
  readonly startupMs: number;
  stop(): Promise<void>;
  /** Stops the JVM (gracefully, or SIGKILL) and starts it again on the same ports and data, after `downMs`. */
  restart(signal?: 'SIGTERM' | 'SIGKILL', downMs?: number): Promise<void>;
}

/** A broker prerequisite is missing; the message says what to install. */
export class BrokerSetupError extends Error {
  readonly code = 'KAFKA_BROKER_SETUP';
}


/** Kafka 4.x brokers need Java 17 or later. */
function checkJava(java: string): void {
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new BrokerSetupError(
      `Java 17 or later is needed to run the test Kafka broker, and "${java}" could not be run. ` +
        'Install a JDK 17 (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless), or point KAFKA_BROKERS at a running broker.',
    );
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(probe.stderr);
  const major = match === null ? 0 : Number(match[1]) === 1 ? Number(match[2]) : Number(match[1]);
  if (major < 17) {
    throw new BrokerSetupError(`Kafka ${KAFKA_VERSION} needs Java 17 or later; "${java}" is Java ${major}. Install a JDK 17 or set JAVA_HOME.`);
  }
}

/**
 * Makes sure the broker's jars are in the cache, fetching them with Maven from Maven Central the first
 * time. A marker file says the copy finished, so an interrupted download is redone rather than trusted.
 */
export function ensureKafkaLibs(libsDir = join(repoRoot, '.cache', 'kafka', KAFKA_VERSION, 'libs')): string {
  const marker = join(libsDir, '.complete');
  if (existsSync(marker)) return libsDir;
  const mvn = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (mvn.error !== undefined || mvn.status !== 0) {
    throw new BrokerSetupError(
      `Maven is needed once, to fetch the Kafka ${KAFKA_VERSION} server jars into ${libsDir}. ` +
        'Install it (Debian/Ubuntu: apt-get install maven), or point KAFKA_BROKERS at a running broker.',
    );
  }
  rmSync(libsDir, { recursive: true, force: true });
  mkdirSync(libsDir, { recursive: true });
  const fetched = spawnSync(
    'mvn',
    ['-q', '-B', '-f', join(here, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${libsDir}`],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (fetched.status !== 0) {
    throw new BrokerSetupError(`mvn dependency:copy-dependencies failed for Kafka ${KAFKA_VERSION}:\n${fetched.stdout}${fetched.stderr}`);
  }
  if (!readdirSync(libsDir).some((f) => f.startsWith('kafka_2.13-'))) {
    throw new BrokerSetupError(`Maven finished but ${libsDir} holds no kafka_2.13 jar`);
  }
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return libsDir;
}

/** A port the OS says is free right now (a tiny race with other processes is accepted). */

/** Kafka's cluster ids are 16 random bytes in URL-safe base64 without padding; a leading "-" is avoided as Kafka does. */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function serverProperties(port: number, controllerPort: number, logDir: string, extra: BrokerOptions['properties']): string {
  const props: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.bootstrap.servers': `127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': logDir,
    'num.partitions': 1,
    // One node: every internal topic has one replica. Few partitions keep the first group and
    // transaction coordinator loads fast.
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 4,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 4,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    // Tests start and stop group members quickly: no initial join delay, and short sessions allowed.
    'group.initial.rebalance.delay.ms': 0,
    'group.min.session.timeout.ms': 1000,
    // Topics are created on purpose (the runtime creates internal ones); a typo should fail, not create.
    'auto.create.topics.enable': 'false',
    // Crash tests leave transactions open; let the broker abort them soon after their timeout.
    'transaction.abort.timed.out.transaction.cleanup.interval.ms': 1000,
    'log.cleaner.backoff.ms': 1000,
    // Keep every record: tests write records stamped in 1970 (timestamp 1000 + n), which time-based retention
    // would delete at its next check (every 5 minutes) once a transaction marker rolls their segment.
    'log.retention.ms': -1,
    ...extra,
  };
  return `${Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolveConnect(true);
    });
    socket.once('error', () => resolveConnect(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stops the broker's whole process group: SIGTERM for a controlled shutdown, SIGKILL if it lingers. */

export async function startBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  const java = javaCommand();
  checkJava(java);
  const libsDir = ensureKafkaLibs(options.libsDir);
  const port = options.port ?? (await freePort());
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const ownsLogDir = options.logDir === undefined;
  const logDir = options.logDir ?? mkdtempSync(join(tmpdir(), 'risk-streams-kafka-'));
  const dataDir = join(logDir, 'data');
  const configFile = join(logDir, 'server.properties');
  writeFileSync(configFile, serverProperties(port, controllerPort, dataDir, options.properties));

  const classpath = `${libsDir}/*`;
  const format = spawnSync(java, ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '--standalone', '-t', clusterId(), '-c', configFile], {
    encoding: 'utf8',
  });
  if (format.status !== 0) throw new Error(`formatting the KRaft storage failed:\n${format.stdout}${format.stderr}`);

  const logFile = join(logDir, 'broker.log');
  const brokers = [`127.0.0.1:${port}`];
  const jvm = async () => {
    const started = performance.now();
    const out = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(
      java,
      [
        ...(options.jvmOptions ?? quickStartJvm),
        '-Djava.awt.headless=true',
        '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
        '-Dorg.slf4j.simpleLogger.showDateTime=true',
        '-cp',
        classpath,
        'kafka.Kafka',
        configFile,
      ],
      // Its own process group, so stop() reaches every thread and child the JVM may have.
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.pipe(out);
    child.stderr!.pipe(out);
    // If this process goes away without calling stop(), do not leave a broker behind.
    const orphanGuard = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    process.once('exit', orphanGuard);
    const kill = async (signal: 'SIGTERM' | 'SIGKILL') => {
      process.removeListener('exit', orphanGuard);
      if (signal === 'SIGKILL') orphanGuard();
      await killGroup(child, 10_000);
      out.end();
    };
    const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
    try {
      while (!(await canConnect(port))) {
        if (child.exitCode !== null) throw new Error(`the broker exited with code ${child.exitCode}; see ${logFile}`);
        if (Date.now() > deadline) throw new Error(`the broker did not open port ${port} in time; see ${logFile}`);
        await sleep(100);
      }
      // An open port is not a usable broker: wait until it lists itself in metadata (registered, unfenced).
      const { clusterReady } = await import('../../runtime/kafka/kafka-adapter.ts');
      await clusterReady(brokers, deadline - Date.now());
    } catch (error) {
      await kill('SIGKILL');
      throw error;
    }
    return { child, kill, startupMs: Math.round(performance.now() - started) };
  };

  let current = await jvm().catch((error: unknown) => {
    if (ownsLogDir) rmSync(logDir, { recursive: true, force: true });
    throw error;
  });
  const startupMs = current.startupMs;
  const stop = async () => {
    await current.kill('SIGTERM');
    if (ownsLogDir) rmSync(logDir, { recursive: true, force: true });
  };
  // The same node again, on its ports and data: what clients see when a broker is bounced.
  const restart = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', downMs = 0) => {
    await current.kill(signal);
    if (downMs > 0) await sleep(downMs);
    current = await jvm();
  };
  return {
    brokers,
    logDir,
    get pid() {
      return current.child.pid!;
    },
    startupMs,
    stop,
    restart,
  };
}

if (import.meta.main) {
  const portArg = process.argv.indexOf('--port');
  const broker = await startBroker(portArg > 0 ? { port: Number(process.argv[portArg + 1]) } : {});
  process.stdout.write(`Kafka ${KAFKA_VERSION} on ${broker.brokers.join(',')} (started in ${broker.startupMs} ms, logs in ${broker.logDir})\n`);
  const shutdown = () => void broker.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
