import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StreamsError } from '../../common/errors.ts';
import { Consumed, Produced } from '../../topology/options.ts';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import { BufferConfig, Suppressed } from '../../topology/suppressed.ts';
import { SessionWindows, TimeWindows } from '../../topology/windows.ts';
import { driverFor, J, L, S } from '../helpers/driver.ts';
import { readSessions, readTimeWindowed, sensorCount } from '../helpers/windowed.ts';

const minute = 60_000;
const hour = 60 * minute;

function finalCounts(windows: TimeWindows, suppressed = Suppressed.untilWindowCloses(BufferConfig.unbounded())) {
  const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
  b.stream<string, string>('in', Consumed.with(S, S)).groupByKey().windowedBy(windows).count().suppress(suppressed).toStream().to('out');
  return driverFor(b.build());
}

describe('suppress until window closes', () => {
  it('docs example: hourly counts with 10 minutes of grace; the 09:00 window emits once, at 10:10, with all 10 events', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    const alerts: string[] = [];
    const finals: string[] = [];
    const suppressed = b
      .stream<string, string>('events', Consumed.with(S, S))
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeAndGrace(hour, 10 * minute))
      .count()
      .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()));
    suppressed.toStream().foreach((user, count) => finals.push(`${user.key}@${user.window.start / hour}h=${count}`));
    suppressed
      .filter((_user, count) => count < 3)
      .toStream()
      .foreach((user, count) => alerts.push(`${user.key}@${user.window.start / hour}h=${count}`));
    const d = driverFor(b.build());
    const input = d.createInputTopic('events', S, S);
    const nine = 9 * hour;
    // U: 10 events in 09:00-10:00, the last three arriving late (after 10:00) within grace; V: 1 event.
    for (let i = 0; i < 7; i++) input.pipeInput('U', 'e', nine + i * 5 * minute);
    input.pipeInput('V', 'e', nine + 30 * minute);
    input.pipeInput('W', 'e', nine + 62 * minute); // stream time 10:02
    for (let i = 0; i < 3; i++) input.pipeInput('U', 'e', nine + 50 * minute + i);
    input.pipeInput('W', 'e', nine + 69 * minute); // 10:09: nothing closed yet
    expect(alerts).toEqual([]);
    input.pipeInput('W', 'e', nine + 70 * minute); // 10:10: the 09:00 window closes
    expect(alerts).toEqual(['V@9h=1']);
    input.pipeInput('U', 'e', nine + 59 * minute); // late: dropped upstream, nothing emitted again
    expect(alerts).toEqual(['V@9h=1']);
    expect(finals).toEqual(['U@9h=10', 'V@9h=1']);
  });

  it('emits closed windows in order of window end, then key bytes, with the last update time', () => {
    const d = finalCounts(TimeWindows.ofSizeWithNoGrace(10).advanceBy(5));
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('b', 'x', 1);
    input.pipeInput('a', 'x', 3);
    input.pipeInput('a', 'x', 7);
    expect(readTimeWindowed(d, 'out', 10)).toEqual([]);
    input.pipeInput('c', 'x', 15);
    expect(readTimeWindowed(d, 'out', 10, undefined, true)).toEqual(['a@0/10=2#7', 'b@0/10=1#1', 'a@5/15=1#7']);
  });

  it('sees through table operations between the aggregation and the suppression', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.stream<string, string>('in', Consumed.with(S, S))
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeAndGrace(10, 3))
      .count()
      .mapValues((n) => n * 100)
      .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
      .toStream()
      .to('out');
    const d = driverFor(b.build());
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 1);
    input.pipeInput('a', 'x', 12);
    // mapValues names no serde, so the default (JSON) writes the values.
    expect(readTimeWindowed(d, 'out', 10, J)).toEqual([]);
    input.pipeInput('a', 'x', 13);
    expect(readTimeWindowed(d, 'out', 10, J)).toEqual(['a@0/10=100']);
  });

  it('sessions: merged-away sessions never reach downstream; a session goes once stream time passes end + gap + grace', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.stream<string, string>('in', Consumed.with(S, S))
      .groupByKey()
      .windowedBy(SessionWindows.ofInactivityGapAndGrace(5, 2))
      .count()
      .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
      .toStream()
      .to('out');
    const d = driverFor(b.build());
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 0);
    input.pipeInput('a', 'x', 4);
    input.pipeInput('b', 'x', 10); // [0, 4] needs stream time 4 + 5 + 2 = 11
    expect(readSessions(d, 'out')).toEqual([]);
    input.pipeInput('b', 'x', 11);
    expect(readSessions(d, 'out', undefined, true)).toEqual(['a@0/4=2#4']);
  });

  it('refuses a table that does not come from a windowed aggregation', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    const table = b.stream<string, string>('in', Consumed.with(S, S)).groupByKey().count();
    expect(() => table.suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))).toThrow(
      /Window close time is only defined for windowed computations/,
    );
    expect(() => Suppressed.untilWindowCloses(BufferConfig.maxRecords(3) as any)).toThrow(/unbounded\(\) or shutDownWhenFull\(\)/);
  });

  it('logs its buffer to <app>-<store>-changelog', () => {
    const d = finalCounts(TimeWindows.ofSizeWithNoGrace(10), Suppressed.untilWindowCloses(BufferConfig.unbounded()).withName('final'));
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 1);
    input.pipeInput('a', 'x', 10);
    // At the second commit: the new window's update, then the tombstone of the window let go.
    const changelog = d.producedRecords('test-driver-final-store-changelog');
    expect(changelog.map((r) => r.value === null)).toEqual([false, false, true]);
  });
});

describe('suppress until time limit and buffer bounds', () => {
  it('passes at most one update per key per time limit: the latest', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.table<string, string>('t', Consumed.with(S, S), { cachingEnabled: false })
      .suppress(Suppressed.untilTimeLimit(10, BufferConfig.unbounded()))
      .toStream()
      .to('out', Produced.with(S, S));
    const d = driverFor(b.build());
    const input = d.createInputTopic('t', S, S);
    const out = d.createOutputTopic('out', S, S);
    input.pipeInput('a', 'a1', 0);
    input.pipeInput('a', 'a2', 5);
    input.pipeInput('b', 'b1', 9);
    expect(out.readKeyValuesToList()).toEqual([]);
    input.pipeInput('b', 'b2', 10); // a was first buffered at 0: out at 10
    expect(out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([['a', 'a2', 5]]);
    input.pipeInput('c', 'c1', 19);
    expect(out.readKeyValuesToList()).toEqual([{ key: 'b', value: 'b2' }]);
  });

  it('emits early when full with an eager buffer; stops the task with a strict one', () => {
    const early = finalCounts(TimeWindows.ofSizeWithNoGrace(100), Suppressed.untilTimeLimit(1000, BufferConfig.maxRecords(1)));
    const input = early.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 1);
    input.pipeInput('b', 'x', 2);
    expect(readTimeWindowed(early, 'out', 100)).toEqual(['a@0/100=1']);

    const strict = finalCounts(TimeWindows.ofSizeWithNoGrace(100), Suppressed.untilWindowCloses(BufferConfig.maxRecords(1).shutDownWhenFull()));
    const strictInput = strict.createInputTopic('in', S, S);
    strictInput.pipeInput('a', 'x', 1);
    let error: unknown;
    try {
      strictInput.pipeInput('b', 'x', 2);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StreamsError);
    expect((error as StreamsError).code).toBe('STREAMS_SUPPRESS_BUFFER_FULL');
  });
});

describe('wall-clock close for idle partitions (beyond Kafka Streams)', () => {
  const quiet = () =>
    finalCounts(TimeWindows.ofSizeAndGrace(minute, 10_000), Suppressed.untilWindowCloses(BufferConfig.unbounded()).withWallClockCloseAfter(30_000));

  it("a quiet account's last window is emitted once its end + grace passes on the wall clock", () => {
    const d = quiet();
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('A00042', 'order', 45_000); // window [0, 60 s) closes at stream time 70 s
    d.advanceWallClockTime(20_000); // idle 20 s: below the 30 s threshold
    expect(readTimeWindowed(d, 'out', minute)).toEqual([]);
    d.advanceWallClockTime(15_000); // idle 35 s: stream time taken as 80 s
    expect(readTimeWindowed(d, 'out', minute, undefined, true)).toEqual(['A00042@0/60000=1#45000']);
    expect(sensorCount(d, 'suppression_emit')).toBe(1);
  });

  it('does nothing while records keep stream time moving, and treats updates for windows it closed as late', () => {
    const d = quiet();
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('A', 'x', 10_000);
    d.advanceWallClockTime(25_000);
    input.pipeInput('B', 'x', 11_000); // stream time moved: idleness starts over
    d.advanceWallClockTime(25_000);
    expect(readTimeWindowed(d, 'out', minute)).toEqual([]);
    d.advanceWallClockTime(40_000); // idle 65 s: stream time taken as 76 s
    expect(readTimeWindowed(d, 'out', minute)).toEqual(['A@0/60000=1', 'B@0/60000=1']);
    input.pipeInput('A', 'x', 12_000); // the aggregation still takes it (its stream time is 11 s)
    expect(readTimeWindowed(d, 'out', minute)).toEqual([]);
    expect(sensorCount(d, 'dropped_records', { reason: 'late' })).toBe(1);
    input.pipeInput('A', 'x', 130_000);
    expect(readTimeWindowed(d, 'out', minute)).toEqual([]);
  });
});

describe('final results against a model (property)', () => {
  it('each closed window is emitted exactly once with its final count; open ones never', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 10 }),
        fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), t: fc.integer({ min: 0, max: 150 }) }), { maxLength: 50 }),
        (size, grace, records) => {
          const d = finalCounts(TimeWindows.ofSizeAndGrace(size, grace));
          const input = d.createInputTopic('in', S, S);
          const counts = new Map<string, number>();
          let streamTime = Number.NEGATIVE_INFINITY;
          for (const { key, t } of records) {
            input.pipeInput(key, 'x', t);
            streamTime = Math.max(streamTime, t);
            const start = Math.floor(t / size) * size;
            if (start + size > streamTime - grace) counts.set(`${key}@${start}/${start + size}`, (counts.get(`${key}@${start}/${start + size}`) ?? 0) + 1);
          }
          const emitted = readTimeWindowed(d, 'out', size);
          const closed = [...counts].filter(([id]) => Number(id.split('/')[1]) <= streamTime - grace).map(([id, n]) => `${id}=${n}`);
          expect([...emitted].sort()).toEqual(closed.sort());
          d.close();
        },
      ),
      { numRuns: 150 },
    );
  });
});

it('L serde stays importable for windowed long values', () => {
  expect(L.deserialize(L.serialize(5))).toBe(5);
});
