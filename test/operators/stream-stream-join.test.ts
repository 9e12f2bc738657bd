import { describe, expect, it } from 'vitest';
import { JoinWindows } from '../../topology/join-windows.ts';
import { StreamJoined } from '../../topology/joined.ts';
import { Consumed, Produced, type StoreType } from '../../topology/options.ts';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import { driverFor, J, S } from '../helpers/driver.ts';

const pair = (l: unknown, r: unknown) => `[${l}, ${r}]`;
type Kind = 'join' | 'leftJoin' | 'outerJoin';

function streamStream(kind: Kind, windows: JoinWindows, storeType: StoreType = 'in-memory') {
  const b = new StreamsBuilder({ defaultStoreType: storeType });
  const left = b.stream<string, string>('left', Consumed.with(S, S));
  const right = b.stream<string, string>('right', Consumed.with(S, S));
  const joined = StreamJoined.with(S, S, S);
  const out =
    kind === 'join'
      ? left.join(right, pair, windows, joined)
      : kind === 'leftJoin'
        ? left.leftJoin(right, pair, windows, joined)
        : left.outerJoin(right, pair, windows, joined);
  out.to('out', Produced.with(S, S));
  const d = driverFor(b.build());
  return { d, left: d.createInputTopic('left', S, S), right: d.createInputTopic('right', S, S), out: d.createOutputTopic('out', S, S) };
}

const dropped = (d: ReturnType<typeof streamStream>['d'], reason: string) =>
  d.metrics.sensors().filter((s) => s.name === 'dropped_records' && s.tags.reason === reason).reduce((n, s) => n + s.count, 0);

// Kafka Streams' documented walk-through of KStream-KStream joins: one key, timestamp order, a 10 s window with
// 5 s grace. The first fifteen rows fall in one window (here 1..15 ms); the later rows are seconds apart, so
// unmatched records are emitted once stream time passes their window end plus grace.
const SECOND = 1000;
const walkThrough: Array<{ ts: number; left?: string | null; right?: string | null; out: Record<Kind, string[]> }> = [
  { ts: 1, left: null, out: { join: [], leftJoin: [], outerJoin: [] } },
  { ts: 2, right: null, out: { join: [], leftJoin: [], outerJoin: [] } },
  { ts: 3, left: 'A', out: { join: [], leftJoin: [], outerJoin: [] } },
  { ts: 4, right: 'a', out: { join: ['[A, a]'], leftJoin: ['[A, a]'], outerJoin: ['[A, a]'] } },
  { ts: 5, left: 'B', out: { join: ['[B, a]'], leftJoin: ['[B, a]'], outerJoin: ['[B, a]'] } },
  { ts: 6, right: 'b', out: { join: ['[A, b]', '[B, b]'], leftJoin: ['[A, b]', '[B, b]'], outerJoin: ['[A, b]', '[B, b]'] } },
  { ts: 7, left: null, out: { join: [], leftJoin: [], outerJoin: [] } },
  { ts: 8, right: null, out: { join: [], leftJoin: [], outerJoin: [] } },
  { ts: 9, left: 'C', out: { join: ['[C, a]', '[C, b]'], leftJoin: ['[C, a]', '[C, b]'], outerJoin: ['[C, a]', '[C, b]'] } },
  {
    ts: 10,
    right: 'c',
    out: { join: ['[A, c]', '[B, c]', '[C, c]'], leftJoin: ['[A, c]', '[B, c]', '[C, c]'], outerJoin: ['[A, c]', '[B, c]', '[C, c]'] },
  },
  { ts: 11, right: null, out: { join: [], leftJoin: [], outerJoin: [] } },
  { ts: 12, left: null, out: { join: [], leftJoin: [], outerJoin: [] } },
  { ts: 13, right: null, out: { join: [], leftJoin: [], outerJoin: [] } },
  {
    ts: 14,
    right: 'd',
    out: { join: ['[A, d]', '[B, d]', '[C, d]'], leftJoin: ['[A, d]', '[B, d]', '[C, d]'], outerJoin: ['[A, d]', '[B, d]', '[C, d]'] },
  },
  {
    ts: 15,
    left: 'D',
    out: {
      join: ['[D, a]', '[D, b]', '[D, c]', '[D, d]'],
      leftJoin: ['[D, a]', '[D, b]', '[D, c]', '[D, d]'],
      outerJoin: ['[D, a]', '[D, b]', '[D, c]', '[D, d]'],
    },
  },
  { ts: 40 * SECOND, left: 'E', out: { join: [], leftJoin: [], outerJoin: [] } },
  { ts: 60 * SECOND, left: 'F', out: { join: [], leftJoin: ['[E, null]'], outerJoin: ['[E, null]'] } },
  { ts: 80 * SECOND, right: 'f', out: { join: [], leftJoin: ['[F, null]'], outerJoin: ['[F, null]'] } },
  { ts: 100 * SECOND, left: 'G', out: { join: [], leftJoin: [], outerJoin: ['[null, f]'] } },
];

describe('KStream-KStream join', () => {
  for (const kind of ['join', 'leftJoin', 'outerJoin'] as const) {
    for (const engine of ['in-memory', 'rocksdb'] as const) {
      it(`${kind}: the documented walk-through, row by row (${engine})`, () => {
        const { left, right, out } = streamStream(kind, JoinWindows.ofTimeDifferenceAndGrace(10 * SECOND, 5 * SECOND), engine);
        for (const row of walkThrough) {
          if (row.left !== undefined) left.pipeInput('k', row.left, row.ts);
          else right.pipeInput('k', row.right ?? null, row.ts);
          expect(out.readValuesToList(), `timestamp ${row.ts}`).toEqual(row.out[kind]);
        }
      });
    }
  }

  it('a joined record takes the larger timestamp of the pair', () => {
    const { left, right, out } = streamStream('join', JoinWindows.ofTimeDifferenceWithNoGrace(10));
    left.pipeInput('k', 'L', 100);
    right.pipeInput('k', 'R', 95);
    expect(out.readRecord()).toMatchObject({ key: 'k', value: '[L, R]', timestamp: 100 });
  });

  it('joins only records of the same key within the window, bounds included', () => {
    const { left, right, out } = streamStream('join', JoinWindows.ofTimeDifferenceWithNoGrace(10));
    left.pipeInput('k', 'L', 100);
    right.pipeInput('other', 'X', 100);
    right.pipeInput('k', 'early', 89);
    right.pipeInput('k', 'edge-', 90);
    right.pipeInput('k', 'edge+', 110);
    right.pipeInput('k', 'late', 111);
    expect(out.readValuesToList()).toEqual(['[L, edge-]', '[L, edge+]']);
  });

  it('out-of-order records within the grace period still join', () => {
    const { left, right, out } = streamStream('join', JoinWindows.ofTimeDifferenceAndGrace(10, 20));
    right.pipeInput('k', 'R1', 100);
    right.pipeInput('k', 'R2', 125); // stream time 125
    left.pipeInput('k', 'L', 104); // 104 + 10 + 20 ≥ 125: not late
    expect(out.readValuesToList()).toEqual(['[L, R1]']);
  });

  it('records later than their window end plus grace are dropped, and counted', () => {
    const { d, left, right, out } = streamStream('leftJoin', JoinWindows.ofTimeDifferenceAndGrace(10, 20));
    right.pipeInput('k', 'R', 160);
    right.pipeInput('other', 'X', 200); // stream time 200
    left.pipeInput('k', 'late', 165); // 165 + 10 + 20 < 200: too late, even though R is in its window
    left.pipeInput('k', 'just-in-time', 170); // 170 + 10 + 20 = 200: accepted
    expect(out.readValuesToList()).toEqual(['[just-in-time, R]']);
    expect(dropped(d, 'late')).toBe(1);
  });

  it('left join emits an unmatched record only once its window has closed, with its own timestamp', () => {
    const { left, right, out } = streamStream('leftJoin', JoinWindows.ofTimeDifferenceAndGrace(10, 20));
    left.pipeInput('k', 'L', 100);
    right.pipeInput('other', 'X', 130); // window end 110 + grace 20 = 130: not closed yet
    expect(out.isEmpty()).toBe(true);
    right.pipeInput('other', 'Y', 131);
    expect(out.readRecord()).toMatchObject({ key: 'k', value: '[L, null]', timestamp: 100 });
    right.pipeInput('other', 'Z', 500);
    expect(out.isEmpty()).toBe(true);
  });

  it('left join: a partner arriving out of order, within grace, prevents the null result', () => {
    const { left, right, out } = streamStream('leftJoin', JoinWindows.ofTimeDifferenceAndGrace(10, 20));
    left.pipeInput('k', 'L', 100);
    right.pipeInput('other', 'X', 125);
    right.pipeInput('k', 'R', 105);
    right.pipeInput('other', 'Y', 1000);
    expect(out.readValuesToList()).toEqual(['[L, R]']);
  });

  it('outer join emits unmatched records of both sides after their windows close, oldest first (right first on ties)', () => {
    const { left, right, out } = streamStream('outerJoin', JoinWindows.ofTimeDifferenceWithNoGrace(10));
    right.pipeInput('a', 'r', 100);
    left.pipeInput('b', 'l', 100);
    left.pipeInput('c', 'x', 105);
    right.pipeInput('c', 'y', 106);
    expect(out.readValuesToList()).toEqual(['[x, y]']);
    left.pipeInput('z', 'tick', 200);
    expect(out.readKeyValuesToList()).toEqual([
      { key: 'a', value: '[null, r]' },
      { key: 'b', value: '[l, null]' },
    ]);
  });

  it('asymmetric windows: before(0).after(10) joins left records only with right records at or after them', () => {
    const { left, right, out } = streamStream('join', JoinWindows.ofTimeDifferenceWithNoGrace(10).before(0));
    left.pipeInput('k', 'L', 100);
    right.pipeInput('k', 'before', 99);
    right.pipeInput('k', 'same', 100);
    right.pipeInput('k', 'after', 110);
    left.pipeInput('k', 'L2', 111);
    expect(out.readValuesToList()).toEqual(['[L, same]', '[L, after]']);
  });

  it('null keys: inner joins drop them, left and outer sides emit them at once (KIP-962); null values are dropped', () => {
    const inner = streamStream('join', JoinWindows.ofTimeDifferenceWithNoGrace(10));
    inner.left.pipeInput(null, 'x', 1);
    inner.left.pipeInput('k', null, 1);
    expect(inner.out.isEmpty()).toBe(true);
    expect(dropped(inner.d, 'null_key_or_value')).toBe(2);

    const outer = streamStream('outerJoin', JoinWindows.ofTimeDifferenceWithNoGrace(10));
    outer.left.pipeInput(null, 'x', 1);
    outer.right.pipeInput(null, 'y', 2);
    outer.right.pipeInput('k', null, 3);
    expect(outer.out.readKeyValuesToList()).toEqual([
      { key: null, value: '[x, null]' },
      { key: null, value: '[null, y]' },
    ]);

    const left = streamStream('leftJoin', JoinWindows.ofTimeDifferenceWithNoGrace(10));
    left.right.pipeInput(null, 'y', 2);
    expect(left.out.isEmpty()).toBe(true);
  });

  it('names its stores and repartition topics after StreamJoined, and co-partitions the two inputs', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    const orders = b.stream<string, { acct: string }>('orders', Consumed.with(S, J)).selectKey((_k, v) => v.acct);
    const fills = b.stream<string, { acct: string }>('fills', Consumed.with(S, J)).selectKey((_k, v) => v.acct);
    orders
      .outerJoin(fills, (o, f) => ({ o, f }), JoinWindows.ofTimeDifferenceWithNoGrace(1000), { ...StreamJoined.with(S, J, J), name: 'match', storeName: 'match-store' })
      .to('out', Produced.with(S, J));
    const topology = b.build();
    expect(topology.stateStores().map((s) => s.name).sort()).toEqual([
      'match-store-other-join-store',
      'match-store-outer-shared-join-store',
      'match-store-this-join-store',
    ]);
    expect(topology.internalTopics().map((t) => t.name).sort()).toEqual(['match-left-repartition', 'match-right-repartition']);
    expect(topology.copartitionGroups().map((g) => [...g].sort())).toEqual([['match-left-repartition', 'match-right-repartition']]);
    const d = driverFor(topology);
    d.createInputTopic('orders', S, J).pipeInput('o1', { acct: 'A' }, 10);
    d.createInputTopic('fills', S, J).pipeInput('f1', { acct: 'A' }, 20);
    expect(d.createOutputTopic('out', S, J).readKeyValuesToList()).toEqual([{ key: 'A', value: { o: { acct: 'A' }, f: { acct: 'A' } } }]);
  });

  it('rejects windows of negative size', () => {
    expect(() => JoinWindows.ofTimeDifferenceWithNoGrace(5).before(-6)).toThrow(/≥ 0/);
    expect(() => JoinWindows.ofTimeDifferenceAndGrace(5, -1)).toThrow(/grace/);
  });
});
