import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoreType } from '../../topology/options.ts';
import { Consumed } from '../../topology/options.ts';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import { EmitStrategy, SessionWindows } from '../../topology/windows.ts';
import { driverFor, S } from '../helpers/driver.ts';
import { readSessions, sensorCount } from '../helpers/windowed.ts';

function sessionCount(windows: SessionWindows, options: { emit?: EmitStrategy; caching?: boolean; storeType?: StoreType } = {}) {
  const b = new StreamsBuilder({ defaultStoreType: options.storeType ?? 'in-memory' });
  const windowed = b.stream<string, string>('in', Consumed.with(S, S)).groupByKey().windowedBy(windows);
  if (options.emit !== undefined) windowed.emitStrategy(options.emit);
  windowed.count({ storeName: 'sessions', cachingEnabled: options.caching ?? false }).toStream().to('out');
  return driverFor(b.build());
}

/** The sessions a table holds once every update (tombstones included) is applied. */
function finalSessions(lines: string[]): string[] {
  const table = new Map<string, string>();
  for (const line of lines) {
    const [id, value] = line.split('=');
    if (value === 'null') table.delete(id);
    else table.set(id, value);
  }
  return [...table].map(([id, value]) => `${id}=${value}`).sort();
}

describe('session windows', () => {
  it('javadoc example: gap 5, A at 10, 12, 20 make two sessions; A at 16 merges them', () => {
    const d = sessionCount(SessionWindows.ofInactivityGapAndGrace(5, 100));
    const input = d.createInputTopic('in', S, S);
    for (const t of [10, 12, 20]) input.pipeInput('A', 'x', t);
    expect(finalSessions(readSessions(d, 'out'))).toEqual(['A@10/12=2', 'A@20/20=1']);
    input.pipeInput('A', 'x', 16);
    expect(readSessions(d, 'out', undefined, true)).toEqual(['A@10/12=null#12', 'A@20/20=null#20', 'A@10/20=4#20']);
    expect(d.getSessionStore<string, number>('sessions')!.fetch('A').map((kv) => [kv.key.window.start, kv.key.window.end, kv.value])).toEqual([
      [10, 20, 4],
    ]);
  });

  it('docs example: green at 0 and 6, blue at 2, then out-of-order green 4 and blue 5, and blue 11 (gap 5 min)', () => {
    const minute = 60_000;
    // The docs draw it without grace; the two out-of-order records need one to be accepted (see the next case).
    const d = sessionCount(SessionWindows.ofInactivityGapAndGrace(5 * minute, 5 * minute));
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('green', 'x', 0);
    input.pipeInput('green', 'x', 6 * minute);
    input.pipeInput('blue', 'x', 2 * minute);
    expect(finalSessions(readSessions(d, 'out'))).toEqual([`blue@${2 * minute}/${2 * minute}=1`, 'green@0/0=1', `green@${6 * minute}/${6 * minute}=1`]);
    input.pipeInput('green', 'x', 4 * minute);
    input.pipeInput('blue', 'x', 5 * minute);
    input.pipeInput('blue', 'x', 11 * minute);
    const store = d.getSessionStore<string, number>('sessions')!;
    const all = (key: string) => store.fetch(key).map((kv) => `${kv.key.window.start / minute}-${kv.key.window.end / minute}:${kv.value}`);
    expect(all('green')).toEqual(['0-6:3']);
    expect(all('blue')).toEqual(['2-5:2', '11-11:1']);
  });

  it('without grace, a session that ended more than the gap before stream time is closed and cannot be merged', () => {
    const d = sessionCount(SessionWindows.ofInactivityGapWithNoGrace(5));
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('green', 'x', 0);
    input.pipeInput('green', 'x', 6); // close time 1: [0, 0] is closed
    input.pipeInput('green', 'x', 4); // only [6, 6] can still take it
    expect(finalSessions(readSessions(d, 'out'))).toEqual(['green@0/0=1', 'green@4/6=2']);
  });

  it('a record inside a session re-emits it (tombstone then update, as Kafka without a cache)', () => {
    const d = sessionCount(SessionWindows.ofInactivityGapWithNoGrace(10));
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 0);
    input.pipeInput('a', 'x', 8);
    input.pipeInput('a', 'x', 4);
    expect(readSessions(d, 'out')).toEqual(['a@0/0=1', 'a@0/0=null', 'a@0/8=2', 'a@0/8=null', 'a@0/8=3']);
  });

  it('with the record cache, each commit forwards one update per session key', () => {
    const d = sessionCount(SessionWindows.ofInactivityGapWithNoGrace(10), { caching: true });
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 0);
    input.pipeInput('a', 'x', 4);
    expect(readSessions(d, 'out', undefined, true)).toEqual(['a@0/0=1#0', 'a@0/0=null#0', 'a@0/4=2#4']);
  });

  it('drops a record whose merged session ends before stream time − grace − gap', () => {
    const d = sessionCount(SessionWindows.ofInactivityGapAndGrace(5, 2));
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 0);
    input.pipeInput('b', 'x', 20); // close time 13
    input.pipeInput('a', 'x', 12); // new session [12, 12]: 12 < 13, late
    input.pipeInput('a', 'x', 13); // [13, 13]: not late
    expect(sensorCount(d, 'dropped_records', { reason: 'late' })).toBe(1);
    expect(finalSessions(readSessions(d, 'out'))).toEqual(['a@0/0=1', 'a@13/13=1', 'b@20/20=1']);
  });

  it('merges at exactly the gap, even when another key already moved stream time (one ms of retention beyond Kafka)', () => {
    const d = sessionCount(SessionWindows.ofInactivityGapWithNoGrace(5));
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 0);
    input.pipeInput('b', 'x', 5);
    input.pipeInput('a', 'x', 5);
    expect(finalSessions(readSessions(d, 'out'))).toEqual(['a@0/5=2', 'b@5/5=1']);
  });

  it('aggregate merges bridged sessions with the merger (in session order); reduce folds them', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    const grouped = b
      .stream<string, string>('in', Consumed.with(S, S))
      .groupByKey()
      .windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 10));
    grouped
      .aggregate(
        () => '',
        (_k, v, agg) => agg + v,
        (_k, left, right) => `${left}|${right}`,
        { valueSerde: S, cachingEnabled: false },
      )
      .toStream()
      .to('agg');
    grouped.reduce((a, v) => a + v, { cachingEnabled: false }).toStream().to('red');
    const d = driverFor(b.build());
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('k', 'a', 0);
    input.pipeInput('k', 'c', 10);
    input.pipeInput('k', 'b', 5);
    // '' merged with [0,0]'s 'a', then with [10,10]'s 'c', then 'b' is added.
    expect(finalSessions(readSessions(d, 'agg', S))).toEqual(['k@0/10="|a|cb"']);
    expect(finalSessions(readSessions(d, 'red', S))).toEqual(['k@0/10="acb"']);
  });

  it('emit-final: each session once, when stream time passes its end + gap + grace', () => {
    const d = sessionCount(SessionWindows.ofInactivityGapAndGrace(5, 2), { emit: EmitStrategy.onWindowClose() });
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 0);
    input.pipeInput('a', 'x', 3);
    input.pipeInput('b', 'x', 10); // close time 3: [0, 3] is not before it
    expect(readSessions(d, 'out')).toEqual([]);
    input.pipeInput('b', 'x', 11); // close time 4
    expect(readSessions(d, 'out', undefined, true)).toEqual(['a@0/3=2#3']);
    input.pipeInput('c', 'x', 30);
    expect(readSessions(d, 'out')).toEqual(['b@10/11=2']);
  });

  it('beyond Kafka: emit-final sessions also close on the wall clock once the task is idle', () => {
    const d = sessionCount(SessionWindows.ofInactivityGapAndGrace(5_000, 1_000), {
      emit: EmitStrategy.onWindowClose().withWallClockCloseAfter(2_000),
    });
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 1_000);
    input.pipeInput('a', 'x', 2_000);
    d.advanceWallClockTime(3_000); // idle 3 s: stream time taken as 5 s; [1 s, 2 s] needs 2 + 5 + 1 = 8 s
    expect(readSessions(d, 'out')).toEqual([]);
    d.advanceWallClockTime(4_000); // taken as 9 s
    expect(readSessions(d, 'out', undefined, true)).toEqual(['a@1000/2000=2#2000']);
  });

  it('works the same on RocksDB stores', () => {
    const d = sessionCount(SessionWindows.ofInactivityGapAndGrace(5, 100), { storeType: 'rocksdb', caching: true });
    const input = d.createInputTopic('in', S, S);
    for (const t of [10, 12, 20, 16]) input.pipeInput('A', 'x', t);
    expect(finalSessions(readSessions(d, 'out'))).toEqual(['A@10/20=4']);
  });
});

/** Sessions of each key: sorted timestamps split where two neighbours are more than the gap apart. */
function modelSessions(records: Array<{ key: string; t: number }>, gap: number): string[] {
  const byKey = new Map<string, number[]>();
  for (const { key, t } of records) byKey.set(key, [...(byKey.get(key) ?? []), t]);
  const out: string[] = [];
  for (const [key, times] of byKey) {
    times.sort((a, b) => a - b);
    let start = times[0];
    let end = times[0];
    let count = 1;
    for (const t of times.slice(1)) {
      if (t - end <= gap) {
        end = t;
        count++;
      } else {
        out.push(`${key}@${start}/${end}=${count}`);
        start = end = t;
        count = 1;
      }
    }
    out.push(`${key}@${start}/${end}=${count}`);
  }
  return out.sort();
}

describe('session windows against a model (property)', () => {
  it('with a grace covering the disorder, the sessions equal the sorted-split model in any arrival order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 15 }),
        fc.array(fc.record({ key: fc.constantFrom('a', 'b'), t: fc.integer({ min: 0, max: 120 }) }), { minLength: 1, maxLength: 40 }),
        fc.boolean(),
        (gap, records, caching) => {
          const d = sessionCount(SessionWindows.ofInactivityGapAndGrace(gap, 1000), { caching });
          const input = d.createInputTopic('in', S, S);
          for (const r of records) input.pipeInput(r.key, 'x', r.t);
          expect(finalSessions(readSessions(d, 'out'))).toEqual(modelSessions(records, gap));
          const store = d.getSessionStore<string, number>('sessions')!;
          const stored = ['a', 'b'].flatMap((k) => store.fetch(k).map((kv) => `${k}@${kv.key.window.start}/${kv.key.window.end}=${kv.value}`));
          expect(stored.sort()).toEqual(modelSessions(records, gap));
          d.close();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('in timestamp order with no grace, nothing is late and the model still holds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 15 }), fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 40 }), (gap, times) => {
        const records = [...times].sort((a, b) => a - b).map((t) => ({ key: 'a', t }));
        const d = sessionCount(SessionWindows.ofInactivityGapWithNoGrace(gap));
        const input = d.createInputTopic('in', S, S);
        for (const r of records) input.pipeInput(r.key, 'x', r.t);
        expect(finalSessions(readSessions(d, 'out'))).toEqual(modelSessions(records, gap));
        expect(sensorCount(d, 'dropped_records', { reason: 'late' })).toBe(0);
        d.close();
      }),
      { numRuns: 100 },
    );
  });
});
