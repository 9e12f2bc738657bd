// DynamoDB Local for the sink tests and local development: an in-memory server on a free port of 127.0.0.1,
// started from the pinned jars of scripts/dynamodb/pom.xml (fetched once from Maven Central into the cache).
// Run it by hand with `node scripts/dynamodb/dynamodb-local.ts [--port N]`; it stops on Ctrl-C.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, javaCommand, killGroup } from '../common/processes.ts';

/** Keep in step with `dynamodb-local.version` in pom.xml; provisioning refuses to run when they differ. */
export const DYNAMODB_LOCAL_VERSION = '3.3.1';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const pomFile = join(here, 'pom.xml');
const launcherSource = join(here, 'LoopbackServerRunner.java');
const LAUNCHER_CLASS = 'LoopbackServerRunner';
const MAVEN_TIMEOUT_MS = 240_000;

export interface DynamoDbLocalOptions {
  /** HTTP port; a free one is picked when absent. */
  readonly port?: number;
  /** Where jars and the compiled launcher are cached; default `<repo>/.cache/dynamodb/<version>`. */
  readonly cacheDir?: string;
  /** The `java` to run; default `$JAVA_HOME/bin/java`, else `java` on the PATH. `javac` is looked up beside it. */
  readonly java?: string;
  /** The `mvn` to fetch the jars with, needed only while the cache is empty. */
  readonly mvn?: string;
  /** Milliseconds to wait for the server to answer. */
  readonly startTimeoutMs?: number;
}

export interface RunningDynamoDbLocal {
  /** `http://127.0.0.1:<port>`, for the client's `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  /** Milliseconds from spawning the JVM to the first answered request. */
  readonly startupMs: number;
  stop(): Promise<void>;
}

/** A prerequisite of DynamoDB Local is missing or broken; the message says what to install or fix. */
export class DynamoDbLocalSetupError extends Error {
  readonly code = 'DYNAMODB_LOCAL_SETUP';
}


/** `javac` from the same JDK as `java` when `java` is a path, else whatever the PATH gives. */
function javacBeside(java: string): string {
  return java.includes('/') ? join(dirname(java), 'javac') : 'javac';
}

const INSTALL_JDK = 'Install a JDK 17 or later (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless) or set JAVA_HOME.';

/** DynamoDB Local 3.x is built for Java 17. */
function checkJava(java: string): void {
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new DynamoDbLocalSetupError(`DynamoDB Local needs Java 17 or later, and "${java}" could not be run. ${INSTALL_JDK}`);
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(probe.stderr);
  const major = match === null ? 0 : Number(match[1]) === 1 ? Number(match[2]) : Number(match[1]);
  if (major < 17) {
    throw new DynamoDbLocalSetupError(`DynamoDB Local ${DYNAMODB_LOCAL_VERSION} needs Java 17 or later; "${java}" is Java ${major}. ${INSTALL_JDK}`);
  }
}

function runsOk(command: string, args: string[]): boolean {
  const probe = spawnSync(command, args, { encoding: 'utf8' });
  return probe.error === undefined && probe.status === 0;
}

/** What the cache was built from: a changed pom or launcher invalidates it. */
function recipeDigest(): string {
  const pom = readFileSync(pomFile, 'utf8');
  const declared = /<dynamodb-local\.version>([^<]+)<\/dynamodb-local\.version>/.exec(pom)?.[1];
  if (declared !== DYNAMODB_LOCAL_VERSION) {
    throw new DynamoDbLocalSetupError(
      `${pomFile} pins DynamoDB Local ${declared ?? '(none)'} but dynamodb-local.ts expects ${DYNAMODB_LOCAL_VERSION}: change both together`,
    );
  }
  return createHash('sha256').update(pom).update('\0').update(readFileSync(launcherSource)).digest('hex');
}

function isComplete(dir: string, digest: string): boolean {
  const marker = join(dir, '.complete');
  return existsSync(marker) && readFileSync(marker, 'utf8').trim() === digest;
}

/**
 * Makes sure the cache holds DynamoDB Local's jars, its sqlite4java native library and the compiled loopback
 * launcher, fetching with Maven the first time. The copy is built in a private directory and renamed into
 * place, so test files provisioning at once never see half a cache; whoever renames first wins.
 */
export function ensureDynamoDbLocal(options: Pick<DynamoDbLocalOptions, 'cacheDir' | 'java' | 'mvn'> = {}): string {
  const dir = options.cacheDir ?? join(repoRoot, '.cache', 'dynamodb', DYNAMODB_LOCAL_VERSION);
  const digest = recipeDigest();
  if (isComplete(dir, digest)) return dir;

  const mvn = options.mvn ?? 'mvn';
  if (!runsOk(mvn, ['-v'])) {
    throw new DynamoDbLocalSetupError(
      `Maven is needed once, to fetch DynamoDB Local ${DYNAMODB_LOCAL_VERSION} from Maven Central into ${dir}, and "${mvn}" could not be run. ` +
        'Install it (Debian/Ubuntu: apt-get install maven).',
    );
  }
  const javac = javacBeside(options.java ?? javaCommand());
  if (!runsOk(javac, ['-version'])) {
    throw new DynamoDbLocalSetupError(`"${javac}" could not be run; it compiles the loopback launcher once. ${INSTALL_JDK}`);
  }

  const staging = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const lib = join(staging, 'lib');
  mkdirSync(lib, { recursive: true });
  try {
    // Bounded, so a stalled download fails the tests (whose hooks cannot interrupt a synchronous child) instead of hanging them.
    const fetched = spawnSync(mvn, ['-q', '-B', '-f', pomFile, 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: MAVEN_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    if (fetched.error !== undefined) {
      throw new DynamoDbLocalSetupError(
        `mvn did not finish fetching DynamoDB Local ${DYNAMODB_LOCAL_VERSION} within ${MAVEN_TIMEOUT_MS / 1000} s (${fetched.error.message}): ` +
          'check that Maven Central (repo.maven.apache.org) is reachable, or fill the cache on a machine where it is.',
      );
    }
    if (fetched.status !== 0) {
      throw new DynamoDbLocalSetupError(`mvn dependency:copy-dependencies failed for DynamoDB Local ${DYNAMODB_LOCAL_VERSION}:\n${fetched.stdout}${fetched.stderr}`);
    }
    const files = readdirSync(lib);
    for (const wanted of [`DynamoDBLocal-${DYNAMODB_LOCAL_VERSION}.jar`, 'libsqlite4java-linux-amd64-']) {
      if (!files.some((f) => f.startsWith(wanted))) throw new DynamoDbLocalSetupError(`Maven finished but ${lib} holds no ${wanted}*`);
    }
    const compiled = spawnSync(javac, ['-d', join(staging, 'launcher'), '-cp', `${lib}/*`, launcherSource], { encoding: 'utf8' });
    if (compiled.status !== 0) {
      throw new DynamoDbLocalSetupError(`compiling ${launcherSource} against DynamoDB Local ${DYNAMODB_LOCAL_VERSION} failed:\n${compiled.stderr}`);
    }
    writeFileSync(join(staging, '.complete'), `${digest}\n`);
    if (existsSync(dir) && !isComplete(dir, digest)) rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(staging, dir);
    } catch (error) {
      if (!isComplete(dir, digest)) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return dir;
}

/** A port the OS says is free right now (a tiny race with other processes is accepted). */

/** Any HTTP answer counts: an unsigned ListTables gets a 400, which still proves the server is serving. */
async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
      body: '{}',
      signal: AbortSignal.timeout(1_000),
    });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stops the JVM's whole process group: SIGTERM first, SIGKILL if it lingers. */

/** Keeps the last few kilobytes of the server's output for error messages. */
function outputTail(child: ChildProcess, limit = 16_384): () => string {
  let text = '';
  const append = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-limit);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  return () => text;
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<RunningDynamoDbLocal> {
  const java = options.java ?? javaCommand();
  checkJava(java);
  const dir = ensureDynamoDbLocal({ ...options, java });
  const lib = join(dir, 'lib');
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;

  const started = performance.now();
  const child = spawn(
    java,
    [
      // A test database holds little; a small heap, the serial collector and C1 only make the JVM start faster.
      '-Xms64m',
      '-Xmx512m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      `-Djava.library.path=${lib}`,
      `-Dsqlite4java.library.path=${lib}`,
      '-cp',
      `${join(dir, 'launcher')}${delimiter}${lib}/*`,
      LAUNCHER_CLASS,
      '-inMemory',
      '-port',
      String(port),
      '-disableTelemetry',
    ],
    // Its own process group, so stop() reaches everything the JVM started; cwd is the cache, never the repo.
    { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = outputTail(child);
  // If this process goes away without calling stop(), do not leave a server behind.
  const orphanGuard = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', orphanGuard);

  const stop = async () => {
    process.removeListener('exit', orphanGuard);
    await killGroup(child, 5_000);
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  try {
    while (!(await answers(endpoint))) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode}:\n${output()}`);
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint} in time:\n${output()}`);
      await sleep(25);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, pid: child.pid!, startupMs: Math.round(performance.now() - started), stop };
}

if (import.meta.main) {
  const portArg = process.argv.indexOf('--port');
  const server = await startDynamoDbLocal(portArg > 0 ? { port: Number(process.argv[portArg + 1]) } : {});
  process.stdout.write(`DynamoDB Local ${DYNAMODB_LOCAL_VERSION} on ${server.endpoint} (started in ${server.startupMs} ms)\n`);
  const shutdown = () => void server.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
