import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Consumed } from '../../topology/options.ts';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import { EmitStrategy, SlidingWindows } from '../../topology/windows.ts';
import { driverFor, J, S } from '../helpers/driver.ts';
import { readTimeWindowed, sensorCount } from '../helpers/windowed.ts';

function slidingTopology(windows: SlidingWindows, options: { emit?: EmitStrategy; caching?: boolean } = {}) {
  const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
  const windowed = b.stream<string, number>('in', Consumed.with(S, J)).groupByKey().windowedBy(windows);
  if (options.emit !== undefined) windowed.emitStrategy(options.emit);
  windowed
    .aggregate(() => [] as number[], (_k, v, list) => [...list, v].sort((x, y) => x - y), {
      storeName: 'sliding',
      valueSerde: J,
      cachingEnabled: options.caching ?? false,
    })
    .toStream()
    .to('out');
  return driverFor(b.build());
}

/** The last value of every window, by start. */
function finalWindows(lines: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of lines) {
    const [id, value] = line.split('=');
    out.set(id, value);
  }
  return new Map([...out].sort(([a], [b]) => Number(a.split('@')[1].split('/')[0]) - Number(b.split('@')[1].split('/')[0])));
}

describe('sliding windows', () => {
  it('javadoc example: difference 5000, records at 8000, 9200, 12400 make five windows, both ends inclusive', () => {
    const d = slidingTopology(SlidingWindows.ofTimeDifferenceWithNoGrace(5000));
    const input = d.createInputTopic('in', S, J);
    input.pipeInput('A', 1, 8000);
    input.pipeInput('A', 2, 9200);
    input.pipeInput('A', 3, 12400);
    expect(finalWindows(readTimeWindowed(d, 'out', 5000, J))).toEqual(
      new Map([
        ['A@3000/8000', '[1]'],
        ['A@4200/9200', '[1,2]'],
        ['A@7400/12400', '[1,2,3]'],
        ['A@8001/13001', '[2,3]'],
        ['A@9201/14201', '[3]'],
      ]),
    );
  });

  it('emits the updates in Kafka order, each stamped with the latest record time of its window', () => {
    const d = slidingTopology(SlidingWindows.ofTimeDifferenceWithNoGrace(5000));
    const input = d.createInputTopic('in', S, J);
    input.pipeInput('A', 1, 8000);
    input.pipeInput('A', 2, 9200);
    expect(readTimeWindowed(d, 'out', 5000, J, true)).toEqual([
      'A@3000/8000=[1]#8000',
      'A@8001/13001=[2]#9200',
      'A@4200/9200=[1,2]#9200',
    ]);
  });

  it('an out-of-order record lands in the same windows as had it come in order', () => {
    const d = slidingTopology(SlidingWindows.ofTimeDifferenceAndGrace(5000, 10_000));
    const input = d.createInputTopic('in', S, J);
    input.pipeInput('A', 1, 8000);
    input.pipeInput('A', 3, 12400);
    input.pipeInput('A', 2, 9200);
    expect(finalWindows(readTimeWindowed(d, 'out', 5000, J))).toEqual(
      new Map([
        ['A@3000/8000', '[1]'],
        ['A@4200/9200', '[1,2]'],
        ['A@7400/12400', '[1,2,3]'],
        ['A@8001/13001', '[2,3]'],
        ['A@9201/14201', '[3]'],
      ]),
    );
  });

  it('records before the time difference share the window [0, difference]', () => {
    const d = slidingTopology(SlidingWindows.ofTimeDifferenceAndGrace(10, 100));
    const input = d.createInputTopic('in', S, J);
    input.pipeInput('A', 5, 5);
    input.pipeInput('A', 8, 8);
    input.pipeInput('A', 2, 2);
    expect(finalWindows(readTimeWindowed(d, 'out', 10, J))).toEqual(
      new Map([
        ['A@0/10', '[2,5,8]'],
        ['A@3/13', '[5,8]'],
        ['A@6/16', '[8]'],
      ]),
    );
  });

  it('drops a record whose right window has closed, and a record from each window that has', () => {
    const d = slidingTopology(SlidingWindows.ofTimeDifferenceAndGrace(10, 5));
    const input = d.createInputTopic('in', S, J);
    input.pipeInput('A', 1, 100); // close time 95
    input.pipeInput('A', 2, 84); // 84 + 1 + 10 ≤ 95: even its right window is closed
    input.pipeInput('A', 3, 86); // its left window [76, 86] has closed; its right one would hold nothing
    expect(sensorCount(d, 'dropped_records', { reason: 'late' })).toBe(2);
    expect(readTimeWindowed(d, 'out', 10, J)).toEqual(['A@90/100=[1]']);
  });

  it('emit-final: each window once, after stream time passes its (inclusive) end plus grace', () => {
    const d = slidingTopology(SlidingWindows.ofTimeDifferenceWithNoGrace(10), { emit: EmitStrategy.onWindowClose() });
    const input = d.createInputTopic('in', S, J);
    input.pipeInput('A', 1, 20);
    expect(readTimeWindowed(d, 'out', 10, J)).toEqual([]);
    input.pipeInput('A', 2, 25); // [10, 20] ends before 25
    expect(readTimeWindowed(d, 'out', 10, J, true)).toEqual(['A@10/20=[1]#20']);
    input.pipeInput('A', 3, 31);
    expect(readTimeWindowed(d, 'out', 10, J)).toEqual(['A@15/25=[1,2]']);
    input.pipeInput('A', 4, 60);
    expect(readTimeWindowed(d, 'out', 10, J)).toEqual(['A@21/31=[2,3]', 'A@26/36=[3]']);
  });
});

/** Kafka's sliding windows for one key, from the records' timestamps alone (no record dropped). */
function modelWindows(times: number[], diff: number): Map<number, number> {
  const starts = new Set<number>();
  for (const t of times) {
    starts.add(t >= diff ? t - diff : 0);
    if (times.some((r) => r > t && r <= t + 1 + diff)) starts.add(t + 1);
  }
  const out = new Map<number, number>();
  for (const start of [...starts].sort((a, b) => a - b)) out.set(start, times.filter((r) => r >= start && r <= start + diff).length);
  return out;
}

describe('sliding windows against a model (property)', () => {
  it('every window holds exactly the records within its bounds, whatever the arrival order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 80 }), { minLength: 1, maxLength: 25 }),
        (diff, times) => {
          const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
          b.stream<string, number>('in', Consumed.with(S, J))
            .groupByKey()
            .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(diff, 1000))
            .count({ storeName: 'c', cachingEnabled: false })
            .toStream()
            .to('out');
          const d = driverFor(b.build());
          const input = d.createInputTopic('in', S, J);
          for (const t of times) input.pipeInput('k', t, t);
          const got = new Map<number, number>();
          for (const line of readTimeWindowed(d, 'out', diff)) {
            const [id, count] = line.split('=');
            got.set(Number(id.split('@')[1].split('/')[0]), Number(count));
          }
          expect(new Map([...got].sort(([a], [b]) => a - b))).toEqual(modelWindows(times, diff));
          d.close();
        },
      ),
      { numRuns: 300 },
    );
  });
});
