// The scenario generator as a live source (`risk-streams run generator`): scenario.ts's trading session replayed
// against the wall clock, one session after another, each record due when its timestamp comes. Kill-switch
// commands are left out: only operators and the risk-signals app send those.

import { z } from 'zod';
import { ConfigError } from '../../common/errors.ts';
import type { FileRecord } from '../../runtime/replay/record-files.ts';
import { configIssue, readConfigFile } from '../config.ts';
import { Topics } from '../schemas/topics.ts';
import { generateScenario } from './scenario.ts';

/** What the live generator writes: the inputs the outside world feeds the apps, less kill-switch commands. */
export const liveGeneratorTopics = [Topics.ORDERS, Topics.FILLS, Topics.PRICES, Topics.BETAS, Topics.CASH] as const;

const LiveGeneratorSchema = z
  .object({
    /** Orders per second across all accounts, before the breaching accounts' bursts. */
    ordersPerSecond: z.number().positive().max(10_000),
    accounts: z.number().int().min(1).max(100_000),
    /** Accounts that breach a risk rule once per session (order rate, notional, concentration in turn). */
    breachingAccounts: z.number().int().nonnegative(),
    /** Accounts that deposit, buy on margin and meet the session's market shock. */
    marginAccounts: z.number().int().nonnegative(),
    /** One session's length; the bursts need three minutes. Each session is generated whole, when it starts. */
    sessionMinutes: z.number().int().min(3).max(1440),
    seed: z.number().int(),
  })
  .strict()
  .refine((s) => s.breachingAccounts + s.marginAccounts <= s.accounts, { message: 'breachingAccounts + marginAccounts must be at most accounts', path: ['accounts'] });
export type LiveGeneratorSettings = z.infer<typeof LiveGeneratorSchema>;

export const defaultLiveGenerator = {
  ordersPerSecond: 20,
  accounts: 50,
  breachingAccounts: 3,
  marginAccounts: 8,
  sessionMinutes: 10,
  seed: 1,
} as const satisfies LiveGeneratorSettings;

/** Defaults, then the JSON file (if any), then `overrides` (the command's flags); errors name the key. */
export function loadLiveGeneratorSettings(file: string | undefined, overrides: Partial<LiveGeneratorSettings> = {}): LiveGeneratorSettings {
  const fromFile = file === undefined ? {} : readConfigFile(file);
  const source = file ?? 'generator settings';
  if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) throw new ConfigError(`${source}: must be a JSON object`);
  const parsed = LiveGeneratorSchema.safeParse({ ...defaultLiveGenerator, ...fromFile, ...overrides });
  if (!parsed.success) throw configIssue(parsed.error, source);
  return parsed.data;
}

export interface DueRecord {
  readonly topic: string;
  readonly record: FileRecord;
}

/**
 * Sessions of the scenario laid end to end from `start`, each with a seed and ids of its own (taken from its
 * start, so a restarted generator does not repeat order or fill ids); `due(now)` hands out
 * the records whose time has come, topic by topic in timestamp order. A caller that falls a whole session
 * behind (a paused process) skips to a session starting now rather than flooding the topics.
 */
export class LiveScenario {
  readonly #settings: LiveGeneratorSettings;
  readonly #pending = new Map<string, { records: FileRecord[]; next: number }>();
  #session = 0;
  #sessionEnd: number;

  constructor(settings: LiveGeneratorSettings, start: number) {
    this.#settings = settings;
    this.#sessionEnd = start;
    this.#startSession(start);
  }

  /** Sessions generated so far. */
  get sessions(): number {
    return this.#session;
  }

  due(now: number): DueRecord[] {
    const length = this.#settings.sessionMinutes * 60_000;
    while (now >= this.#sessionEnd) this.#startSession(now >= this.#sessionEnd + length ? now : this.#sessionEnd);
    const out: DueRecord[] = [];
    for (const [topic, queue] of this.#pending) {
      while (queue.next < queue.records.length && queue.records[queue.next].timestamp <= now) out.push({ topic, record: queue.records[queue.next++] });
    }
    return out;
  }

  #startSession(start: number): void {
    const s = this.#settings;
    const files = generateScenario({
      minutes: s.sessionMinutes,
      accounts: s.accounts,
      breachingAccounts: s.breachingAccounts,
      marginAccounts: s.marginAccounts,
      ordersPerSecond: s.ordersPerSecond,
      seed: (s.seed + start) >>> 0,
      start,
      idPrefix: `g${start}-`,
    });
    for (const topic of liveGeneratorTopics) {
      const queue = this.#pending.get(topic);
      const left = queue === undefined ? [] : queue.records.slice(queue.next);
      this.#pending.set(topic, { records: [...left, ...(files.get(topic) ?? [])], next: 0 });
    }
    this.#session++;
    this.#sessionEnd = start + s.sessionMinutes * 60_000;
  }
}
