// The live generator's feed: the scenario replayed against a clock the test moves, session after session.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultLiveGenerator, type DueRecord, LiveScenario, liveGeneratorTopics, loadLiveGeneratorSettings } from '../../../apps/generator/live.ts';
import { generateScenario } from '../../../apps/generator/scenario.ts';
import { Topics } from '../../../apps/schemas/topics.ts';
import { ConfigError } from '../../../common/errors.ts';

const START = Date.UTC(2026, 2, 2, 9, 0);
const settings = { ...defaultLiveGenerator, sessionMinutes: 3, ordersPerSecond: 5, accounts: 20 };
const SESSION = settings.sessionMinutes * 60_000;

/** Everything due from `from` to `to`, asked every `stepMs`. */
function drain(feed: LiveScenario, from: number, to: number, stepMs = 1000): DueRecord[] {
  const out: DueRecord[] = [];
  for (let now = from; now < to; now += stepMs) out.push(...feed.due(now));
  return out;
}

const ids = (records: readonly DueRecord[], topic: string, field: string) =>
  records.filter((r) => r.topic === topic).map((r) => (r.record.value as Record<string, string>)[field]);

describe('LiveScenario', () => {
  it('hands out each record once, when its time has come, in timestamp order per topic', () => {
    const feed = new LiveScenario(settings, START);
    const first = feed.due(START);
    expect(first.length).toBeGreaterThan(0);
    expect(first.every((r) => r.record.timestamp <= START)).toBe(true);
    expect(first.map((r) => r.topic)).toEqual(expect.arrayContaining([Topics.BETAS, Topics.PRICES]));
    const session = [...first, ...drain(feed, START + 1000, START + SESSION), ...feed.due(START + SESSION - 1)];
    for (const topic of liveGeneratorTopics) {
      const times = session.filter((r) => r.topic === topic).map((r) => r.record.timestamp);
      expect(times, topic).toEqual([...times].sort((a, b) => a - b));
    }
    // The whole session of scenario.ts, less what only operators and risk signals may send.
    const scenario = generateScenario({ ...settings, minutes: settings.sessionMinutes, start: START, seed: (settings.seed + START) >>> 0 });
    for (const topic of liveGeneratorTopics) expect(session.filter((r) => r.topic === topic).length, topic).toBe(scenario.get(topic)?.length ?? 0);
    expect(session.some((r) => r.topic === Topics.KILLSWITCH_COMMANDS)).toBe(false);
    expect(feed.sessions).toBe(1);
  });

  it('starts the next session when one ends, with ids of its own', () => {
    const feed = new LiveScenario(settings, START);
    const one = drain(feed, START, START + SESSION);
    const two = drain(feed, START + SESSION, START + 2 * SESSION);
    expect(feed.sessions).toBe(2);
    // The first session's last second, then the second session from its start.
    expect(Math.min(...two.filter((r) => r.record.timestamp >= START + SESSION).map((r) => r.record.timestamp))).toBe(START + SESSION);
    expect(two.every((r) => r.record.timestamp > START + SESSION - 1000)).toBe(true);
    for (const [topic, field] of [[Topics.ORDERS, 'order_id'], [Topics.FILLS, 'fill_id'], [Topics.CASH, 'txn_id']] as const) {
      const all = [...ids(one, topic, field), ...ids(two, topic, field)];
      expect(all.length, topic).toBeGreaterThan(0);
      expect(new Set(all).size, `${topic} ids repeat`).toBe(all.length);
    }
    // A restart of the generator later on does not repeat them either.
    const restarted = drain(new LiveScenario(settings, START + 60_000), START + 60_000, START + 60_000 + SESSION);
    expect(ids(restarted, Topics.FILLS, 'fill_id').filter((id) => ids(one, Topics.FILLS, 'fill_id').includes(id))).toEqual([]);
  });

  it('skips to a session starting now after falling a whole session behind, rather than flooding the topics', () => {
    const feed = new LiveScenario(settings, START);
    feed.due(START);
    const late = START + 5 * SESSION + 1234;
    const due = feed.due(late);
    expect(feed.sessions).toBe(2);
    // What was left of the first session, then the new one's opening records stamped `late`.
    expect(due.filter((r) => r.record.timestamp >= late).every((r) => r.record.timestamp === late)).toBe(true);
    expect(due.filter((r) => r.record.timestamp === late).length).toBeGreaterThan(0);
  });
});

describe('loadLiveGeneratorSettings', () => {
  it('takes the defaults, then the file, then the --rate flag', () => {
    expect(loadLiveGeneratorSettings(undefined)).toEqual(defaultLiveGenerator);
    const dir = mkdtempSync(join(tmpdir(), 'generator-settings-'));
    try {
      const file = join(dir, 'generator.json');
      writeFileSync(file, JSON.stringify({ accounts: 200, ordersPerSecond: 50 }));
      expect(loadLiveGeneratorSettings(file)).toMatchObject({ accounts: 200, ordersPerSecond: 50, sessionMinutes: 10 });
      expect(loadLiveGeneratorSettings(file, { ordersPerSecond: 7 })).toMatchObject({ accounts: 200, ordersPerSecond: 7 });
      writeFileSync(file, JSON.stringify({ acounts: 200 }));
      expect(() => loadLiveGeneratorSettings(file)).toThrow(`${file}: /acounts: unknown key`);
      writeFileSync(file, '[1]');
      expect(() => loadLiveGeneratorSettings(file)).toThrow(`${file}: must be a JSON object`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses values out of range, naming the key', () => {
    expect(() => loadLiveGeneratorSettings(undefined, { ordersPerSecond: 0 })).toThrow(/^generator settings: \/ordersPerSecond: /);
    expect(() => loadLiveGeneratorSettings(undefined, { sessionMinutes: 2 })).toThrow(/\/sessionMinutes: /);
    expect(() => loadLiveGeneratorSettings(undefined, { accounts: 5 })).toThrow('generator settings: /accounts: breachingAccounts + marginAccounts must be at most accounts');
    expect(() => loadLiveGeneratorSettings('/nonexistent/generator.json')).toThrow(ConfigError);
  });
});
