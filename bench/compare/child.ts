// A compared engine as a child process, watched from outside: its progress lines paired with its CPU time from
// /proc/<pid>/stat at the moment each line arrives, its memory from /proc/<pid>/status, and a stop that waits
// for a clean close. Linux only, as /proc is.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ChildCommand } from './engines.ts';

const TICKS_PER_SECOND = (() => {
  const probe = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(probe.stdout?.trim());
  return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
})();

/** User plus system CPU seconds of every thread of the process so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces and parentheses: fields are counted from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

export interface Memory {
  readonly rssBytes: number;
  /** The high-water mark of the resident set since the process started. */
  readonly peakRssBytes: number;
}

export function memory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') };
}

export interface Sample {
  /** performance.now() when the line arrived. */
  readonly atMs: number;
  readonly processed: number;
  readonly cpuSeconds: number;
  /** CPU seconds of the watched process (the broker), read at the same moment; NaN when none is watched. */
  readonly watchedCpuSeconds: number;
}

interface Waiter {
  readonly test: (sample: Sample) => boolean;
  readonly resolve: (sample: Sample) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class EngineProcess {
  readonly pid: number;
  readonly logFile: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  #state = 'CREATED';
  readonly #watchPid: number | undefined;
  #latest: Sample = { atMs: 0, processed: 0, cpuSeconds: 0, watchedCpuSeconds: NaN };
  readonly #samples: Sample[] = [];
  #failure: string | null = null;
  readonly #waiters = new Set<Waiter>();

  /** `watchPid`: another process whose CPU time each sample records too (the broker, which both sides load). */
  constructor(command: ChildCommand, logFile: string, watchPid?: number) {
    this.logFile = logFile;
    this.#watchPid = watchPid;
    const log = createWriteStream(logFile);
    this.#child = spawn(command.command, command.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.pid = this.#child.pid!;
    this.#child.stderr!.pipe(log);
    this.#exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)));
    void this.#exited.then((code) => {
      log.end();
      this.#failAll(`exited with code ${code}${this.#failure === null ? '' : `: ${this.#failure}`}; see ${logFile}`);
    });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => this.#onLine(line));
  }

  get state(): string {
    return this.#state;
  }

  get latest(): Sample {
    return this.#latest;
  }

  /** Every progress sample so far, oldest first. */
  get samples(): readonly Sample[] {
    return this.#samples;
  }

  memory(): Memory {
    return memory(this.pid);
  }

  /** The first progress sample that passes `test` (the current one if it already does). */
  waitFor(test: (sample: Sample) => boolean, timeoutMs: number, what: string): Promise<Sample> {
    if (test(this.#latest)) return Promise.resolve(this.#latest);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        test,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(new Error(`${what} not reached within ${timeoutMs} ms (state ${this.#state}, ${this.#latest.processed} processed); see ${this.logFile}`));
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  waitForProcessed(count: number, timeoutMs: number): Promise<Sample> {
    return this.waitFor((s) => s.processed >= count, timeoutMs, `${count} records processed`);
  }

  /** SIGTERM asks for a clean close (commit, leave the group); SIGKILL if it takes longer than `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  #onLine(line: string): void {
    const space = line.indexOf(' ');
    const word = space < 0 ? line : line.slice(0, space);
    const rest = space < 0 ? '' : line.slice(space + 1);
    if (word === 'PROGRESS') {
      let cpu: number;
      let watched = NaN;
      try {
        cpu = cpuSeconds(this.pid);
        if (this.#watchPid !== undefined) watched = cpuSeconds(this.#watchPid);
      } catch {
        return; // exiting
      }
      this.#latest = { atMs: performance.now(), processed: Number(rest), cpuSeconds: cpu, watchedCpuSeconds: watched };
      this.#samples.push(this.#latest);
      for (const w of this.#waiters) {
        if (w.test(this.#latest)) {
          clearTimeout(w.timer);
          this.#waiters.delete(w);
          w.resolve(this.#latest);
        }
      }
    } else if (word === 'STATE') {
      this.#state = rest;
      if (rest === 'ERROR') this.#failAll(`went to ERROR; see ${this.logFile}`);
    } else if (word === 'FAILED') {
      this.#failure = rest;
    }
  }

  #failAll(message: string): void {
    for (const w of this.#waiters) {
      clearTimeout(w.timer);
      w.reject(new Error(message));
    }
    this.#waiters.clear();
  }
}
