import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoreType } from '../../topology/options.ts';
import { Consumed, Produced } from '../../topology/options.ts';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import { EmitStrategy, TimeWindows } from '../../topology/windows.ts';
import { driverFor, J, S } from '../helpers/driver.ts';
import { readTimeWindowed, sensorCount } from '../helpers/windowed.ts';

function countTopology(windows: TimeWindows, options: { caching?: boolean; emit?: EmitStrategy; storeType?: StoreType } = {}) {
  const b = new StreamsBuilder({ defaultStoreType: options.storeType ?? 'in-memory' });
  const windowed = b.stream<string, string>('in', Consumed.with(S, S)).groupByKey().windowedBy(windows);
  if (options.emit !== undefined) windowed.emitStrategy(options.emit);
  windowed.count({ storeName: 'counts', cachingEnabled: options.caching ?? false }).toStream().to('out');
  return driverFor(b.build());
}

describe('tumbling windows', () => {
  it('counts per key and window, [start, end) aligned to the epoch, stamped with the latest record time', () => {
    const d = countTopology(TimeWindows.ofSizeWithNoGrace(10));
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 0);
    input.pipeInput('a', 'x', 9);
    input.pipeInput('b', 'x', 5);
    input.pipeInput('a', 'x', 10);
    expect(readTimeWindowed(d, 'out', 10, undefined, true)).toEqual([
      'a@0/10=1#0',
      'a@0/10=2#9',
      'b@0/10=1#5',
      'a@10/20=1#10',
    ]);
    const store = d.getWindowStore<string, number>('counts')!;
    expect(store.fetch('a', 10)).toBe(1);
    expect(store.fetch('b', 0, 100)).toEqual([]); // [0,10) expired: retention is size + grace
  });

  it('accepts out-of-order records within the grace period and drops later ones as late', () => {
    const d = countTopology(TimeWindows.ofSizeAndGrace(10, 5));
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 12);
    input.pipeInput('a', 'x', 8); // stream time 12, [0,10) closes at 15: accepted
    input.pipeInput('a', 'x', 14);
    input.pipeInput('a', 'x', 9); // still accepted: 10 + 5 > 14
    input.pipeInput('a', 'x', 15);
    input.pipeInput('a', 'x', 3); // 10 + 5 ≤ 15: late
    expect(readTimeWindowed(d, 'out', 10)).toEqual(['a@10/20=1', 'a@0/10=1', 'a@10/20=2', 'a@0/10=2', 'a@10/20=3']);
    expect(sensorCount(d, 'dropped_records', { reason: 'late' })).toBe(1);
  });

  it('with no grace, a record behind the end of its window is late at once', () => {
    const d = countTopology(TimeWindows.ofSizeWithNoGrace(10));
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 10);
    input.pipeInput('a', 'x', 9);
    expect(readTimeWindowed(d, 'out', 10)).toEqual(['a@10/20=1']);
    expect(sensorCount(d, 'dropped_records', { reason: 'late' })).toBe(1);
  });

  it('measures lateness against stream time and drops null keys and values', () => {
    const d = countTopology(TimeWindows.ofSizeAndGrace(10, 100));
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 50);
    input.pipeInput('a', 'x', 20);
    input.pipeInput(null, 'x', 60);
    input.pipeInput('a', null, 60);
    const lateness = d.metrics.sensors().find((s) => s.name === 'record_lateness')!;
    expect(lateness.max).toBe(30);
    expect(sensorCount(d, 'dropped_records', { reason: 'null_key_or_value' })).toBe(2);
  });

  it('aggregate and reduce keep the latest record time of the window', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    const grouped = b.stream<string, number>('in', Consumed.with(S, J)).groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(100));
    grouped.aggregate(() => [] as number[], (_k, v, list) => [...list, v], { valueSerde: J, cachingEnabled: false }).toStream().to('agg', Produced.with(undefined as any, J));
    grouped.reduce((a, v) => a + v, { valueSerde: J, cachingEnabled: false }).toStream().to('sum', Produced.with(undefined as any, J));
    const d = driverFor(b.build());
    const input = d.createInputTopic('in', S, J);
    input.pipeInput('a', 1, 50);
    input.pipeInput('a', 2, 20);
    expect(readTimeWindowed(d, 'agg', 100, J, true)).toEqual(['a@0/100=[1]#50', 'a@0/100=[1,2]#50']);
    expect(readTimeWindowed(d, 'sum', 100, J)).toEqual(['a@0/100=1', 'a@0/100=3']);
  });

  it('with the record cache, the driver commits per record so every update still arrives', () => {
    const d = countTopology(TimeWindows.ofSizeWithNoGrace(10), { caching: true });
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 1);
    input.pipeInput('a', 'x', 2);
    expect(readTimeWindowed(d, 'out', 10, undefined, true)).toEqual(['a@0/10=1#1', 'a@0/10=2#2']);
  });

  it('works the same on RocksDB stores', () => {
    const d = countTopology(TimeWindows.ofSizeAndGrace(10, 5), { storeType: 'rocksdb', caching: true });
    const input = d.createInputTopic('in', S, S);
    for (const t of [1, 12, 5, 16, 2]) input.pipeInput('a', 'x', t);
    expect(readTimeWindowed(d, 'out', 10)).toEqual(['a@0/10=1', 'a@10/20=1', 'a@0/10=2', 'a@10/20=2']);
    expect(sensorCount(d, 'dropped_records', { reason: 'late' })).toBe(1);
    expect(d.getWindowStore<string, number>('counts')!.fetch('a', 10)).toBe(2);
  });
});

describe('hopping windows', () => {
  it('puts a record in every window that contains it, aligned to the epoch (docs: size 5000, advance 3000)', () => {
    const windows = TimeWindows.ofSizeWithNoGrace(5000).advanceBy(3000);
    expect(windows.windowsFor(4000)).toEqual([
      { start: 0, end: 5000 },
      { start: 3000, end: 8000 },
    ]);
    const d = countTopology(windows);
    d.createInputTopic('in', S, S).pipeInput('k', 'x', 4000);
    expect(readTimeWindowed(d, 'out', 5000)).toEqual(['k@0/5000=1', 'k@3000/8000=1']);
  });

  it('docs example: 5-minute windows advancing by 1 minute hold a record at minute 8 five times', () => {
    const minute = 60_000;
    const d = countTopology(TimeWindows.ofSizeWithNoGrace(5 * minute).advanceBy(minute));
    d.createInputTopic('in', S, S).pipeInput('k', 'x', 8 * minute);
    expect(readTimeWindowed(d, 'out', 5 * minute).map((r) => r.split('@')[1].split('=')[0])).toEqual(
      [4, 5, 6, 7, 8].map((m) => `${m * minute}/${(m + 5) * minute}`),
    );
  });

  it('drops a record only from the windows that have closed (counted per window)', () => {
    const d = countTopology(TimeWindows.ofSizeWithNoGrace(10).advanceBy(5));
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 12);
    input.pipeInput('a', 'x', 7); // windows [0,10) closed (10 ≤ 12), [5,15) open
    expect(readTimeWindowed(d, 'out', 10)).toEqual(['a@5/15=1', 'a@10/20=1', 'a@5/15=2']);
    expect(sensorCount(d, 'dropped_records', { reason: 'late' })).toBe(1);
  });

  it('rejects an advance of zero or beyond the size', () => {
    expect(() => TimeWindows.ofSizeWithNoGrace(10).advanceBy(0)).toThrow(/advance must be > 0/);
    expect(() => TimeWindows.ofSizeWithNoGrace(10).advanceBy(11)).toThrow(/≤ the window size/);
    expect(() => TimeWindows.ofSizeAndGrace(0, 0)).toThrow(/size must be an integer ≥ 1/);
    expect(() => TimeWindows.ofSizeAndGrace(10, -1)).toThrow(/grace must be an integer ≥ 0/);
  });
});

describe('emit on window close', () => {
  it('emits each window once, when stream time passes end + grace, oldest window first', () => {
    const d = countTopology(TimeWindows.ofSizeAndGrace(10, 2), { emit: EmitStrategy.onWindowClose(), caching: true });
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('b', 'x', 7);
    input.pipeInput('a', 'x', 1);
    input.pipeInput('a', 'x', 5);
    input.pipeInput('a', 'x', 11); // close time 9: nothing closed
    expect(readTimeWindowed(d, 'out', 10)).toEqual([]);
    input.pipeInput('c', 'x', 12); // close time 10: [0,10) closes
    expect(readTimeWindowed(d, 'out', 10, undefined, true)).toEqual(['a@0/10=2#5', 'b@0/10=1#7']);
    input.pipeInput('c', 'x', 13);
    input.pipeInput('c', 'x', 31); // close time 29: [10,20) closes
    expect(readTimeWindowed(d, 'out', 10)).toEqual(['a@10/20=1', 'c@10/20=2']);
  });

  it('hopping windows: every window exactly once, even when one record closes several', () => {
    const d = countTopology(TimeWindows.ofSizeWithNoGrace(10).advanceBy(5), { emit: EmitStrategy.onWindowClose() });
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 3);
    input.pipeInput('a', 'x', 8);
    input.pipeInput('a', 'x', 40);
    expect(readTimeWindowed(d, 'out', 10)).toEqual(['a@0/10=2', 'a@5/15=1']);
    input.pipeInput('a', 'x', 41);
    input.pipeInput('a', 'x', 60);
    expect(readTimeWindowed(d, 'out', 10)).toEqual(['a@35/45=2', 'a@40/50=2']);
  });

  it('keeps its progress in the store (changelogged), outside the windows', () => {
    const d = countTopology(TimeWindows.ofSizeWithNoGrace(10), { emit: EmitStrategy.onWindowClose() });
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 1);
    input.pipeInput('a', 'x', 25);
    const changelog = d.producedRecords('test-driver-counts-changelog');
    expect(changelog.some((r) => r.key![0] === 0xff)).toBe(true);
    expect(d.getWindowStore<string, number>('counts')!.all().map((kv) => kv.key.window.start)).toEqual([20]);
  });

  it('beyond Kafka: an idle task closes its windows on the wall clock, and later records for them are late', () => {
    const d = countTopology(TimeWindows.ofSizeAndGrace(10, 5), { emit: EmitStrategy.onWindowClose().withWallClockCloseAfter(1000) });
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 4);
    d.advanceWallClockTime(900);
    expect(readTimeWindowed(d, 'out', 10)).toEqual([]);
    d.advanceWallClockTime(200); // idle 1100 ms: stream time taken as 4 + 1100, past 10 + 5
    expect(readTimeWindowed(d, 'out', 10)).toEqual(['a@0/10=1']);
    input.pipeInput('a', 'x', 6);
    expect(readTimeWindowed(d, 'out', 10)).toEqual([]);
    expect(sensorCount(d, 'dropped_records', { reason: 'late' })).toBe(1);
  });
});

/** A straightforward model of windowed counting: per record in arrival order, every window that has not closed. */
function modelCounts(records: Array<{ key: string; t: number }>, size: number, advance: number, grace: number) {
  const counts = new Map<string, number>();
  let streamTime = Number.NEGATIVE_INFINITY;
  let late = 0;
  for (const { key, t } of records) {
    streamTime = Math.max(streamTime, t);
    for (let start = 0; start <= t; start += advance) {
      if (start + size <= t) continue;
      if (start + size <= streamTime - grace) {
        late++;
        continue;
      }
      const id = `${key}@${start}/${start + size}`;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return { counts, late };
}

describe('windowed counts against a model (property)', () => {
  const arbitraryCase = fc.record({
    size: fc.integer({ min: 1, max: 30 }),
    hops: fc.integer({ min: 1, max: 4 }),
    grace: fc.integer({ min: 0, max: 20 }),
    records: fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), t: fc.integer({ min: 0, max: 200 }) }), { maxLength: 60 }),
    caching: fc.boolean(),
  });

  it('final per-window counts and late drops equal the model, in or out of order, cached or not', () => {
    fc.assert(
      fc.property(arbitraryCase, ({ size, hops, grace, records, caching }) => {
        const advance = Math.max(1, Math.floor(size / hops));
        const d = countTopology(TimeWindows.ofSizeAndGrace(size, grace).advanceBy(advance), { caching });
        const input = d.createInputTopic('in', S, S);
        for (const r of records) input.pipeInput(r.key, 'x', r.t);
        const latest = new Map<string, number>();
        for (const line of readTimeWindowed(d, 'out', size)) {
          const [id, count] = line.split('=');
          latest.set(id, Number(count));
        }
        const model = modelCounts(records, size, advance, grace);
        expect(latest).toEqual(model.counts);
        expect(sensorCount(d, 'dropped_records', { reason: 'late' })).toBe(model.late);
        d.close();
      }),
      { numRuns: 120 },
    );
  });

  it('emit-final emits each window once with its final count, when its close time passes', () => {
    fc.assert(
      fc.property(arbitraryCase, ({ size, hops, grace, records }) => {
        const advance = Math.max(1, Math.floor(size / hops));
        const d = countTopology(TimeWindows.ofSizeAndGrace(size, grace).advanceBy(advance), { emit: EmitStrategy.onWindowClose() });
        const input = d.createInputTopic('in', S, S);
        for (const r of records) input.pipeInput(r.key, 'x', r.t);
        const emitted = readTimeWindowed(d, 'out', size);
        expect(new Set(emitted.map((l) => l.split('=')[0])).size).toBe(emitted.length);
        const streamTime = Math.max(-1, ...records.map((r) => r.t));
        const model = modelCounts(records, size, advance, grace);
        const closed = [...model.counts].filter(([id]) => Number(id.split('/')[1]) <= streamTime - grace);
        expect(new Map(emitted.map((l) => [l.split('=')[0], Number(l.split('=')[1])]))).toEqual(new Map(closed));
        d.close();
      }),
      { numRuns: 120 },
    );
  });
});
