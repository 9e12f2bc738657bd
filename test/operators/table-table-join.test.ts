import { describe, expect, it } from 'vitest';
import { Serdes } from '../../common/serdes.ts';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import { Consumed, Grouped, Materialized, Produced } from '../../topology/options.ts';
import { driverFor, J, L, S } from '../helpers/driver.ts';

const pair = (l: unknown, r: unknown) => `[${l}, ${r}]`;
type Kind = 'join' | 'leftJoin' | 'outerJoin';

function tableTable(kind: Kind, caching: boolean) {
  const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
  const left = b.table<string, string>('left', Consumed.with(S, S), { cachingEnabled: caching });
  const right = b.table<string, string>('right', Consumed.with(S, S), { cachingEnabled: caching });
  const joined = kind === 'join' ? left.join(right, pair) : kind === 'leftJoin' ? left.leftJoin(right, pair) : left.outerJoin(right, pair);
  joined.toStream().to('out', Produced.with(S, S));
  const d = driverFor(b.build());
  return { d, left: d.createInputTopic('left', S, S), right: d.createInputTopic('right', S, S), out: d.createOutputTopic('out', S, S) };
}

// Kafka Streams' documented walk-through of KTable-KTable joins: one key, records in timestamp order. "null" in an
// output column is a tombstone (the joined row is deleted); an empty cell means no output at all.
const walkThrough: Array<{ ts: number; left?: string | null; right?: string | null; out: Record<Kind, Array<string | null>> }> = [
  { ts: 1, left: null, out: { join: [], leftJoin: [], outerJoin: [] } },
  { ts: 2, right: null, out: { join: [], leftJoin: [], outerJoin: [] } },
  { ts: 3, left: 'A', out: { join: [], leftJoin: ['[A, null]'], outerJoin: ['[A, null]'] } },
  { ts: 4, right: 'a', out: { join: ['[A, a]'], leftJoin: ['[A, a]'], outerJoin: ['[A, a]'] } },
  { ts: 5, left: 'B', out: { join: ['[B, a]'], leftJoin: ['[B, a]'], outerJoin: ['[B, a]'] } },
  { ts: 6, right: 'b', out: { join: ['[B, b]'], leftJoin: ['[B, b]'], outerJoin: ['[B, b]'] } },
  { ts: 7, left: null, out: { join: [null], leftJoin: [null], outerJoin: ['[null, b]'] } },
  { ts: 8, right: null, out: { join: [], leftJoin: [], outerJoin: [null] } },
  { ts: 9, left: 'C', out: { join: [], leftJoin: ['[C, null]'], outerJoin: ['[C, null]'] } },
  { ts: 10, right: 'c', out: { join: ['[C, c]'], leftJoin: ['[C, c]'], outerJoin: ['[C, c]'] } },
  { ts: 11, right: null, out: { join: [null], leftJoin: ['[C, null]'], outerJoin: ['[C, null]'] } },
  { ts: 12, left: null, out: { join: [], leftJoin: [null], outerJoin: [null] } },
  { ts: 13, right: null, out: { join: [], leftJoin: [], outerJoin: [] } },
  { ts: 14, right: 'd', out: { join: [], leftJoin: [], outerJoin: ['[null, d]'] } },
  { ts: 15, left: 'D', out: { join: ['[D, d]'], leftJoin: ['[D, d]'], outerJoin: ['[D, d]'] } },
];

describe('KTable-KTable join', () => {
  for (const kind of ['join', 'leftJoin', 'outerJoin'] as const) {
    for (const caching of [false, true]) {
      it(`${kind}: the documented walk-through, row by row (caching ${caching ? 'on' : 'off'})`, () => {
        const { left, right, out } = tableTable(kind, caching);
        for (const row of walkThrough) {
          if (row.left !== undefined) left.pipeInput('k', row.left, row.ts);
          else right.pipeInput('k', row.right ?? null, row.ts);
          expect(out.readValuesToList(), `timestamp ${row.ts}`).toEqual(row.out[kind]);
        }
      });
    }
  }

  it('a result carries the larger of the two rows timestamps, also when the older side triggers it', () => {
    const { left, right, out } = tableTable('join', false);
    right.pipeInput('k', 'r', 100);
    left.pipeInput('k', 'l', 50);
    expect(out.readRecord()).toMatchObject({ value: '[l, r]', timestamp: 100 });
  });

  it('out-of-order updates (older timestamps) still replace the row; the result keeps the larger timestamp', () => {
    const { left, right, out } = tableTable('leftJoin', false);
    left.pipeInput('k', 'A', 100);
    right.pipeInput('k', 'a', 300);
    left.pipeInput('k', 'B', 50);
    right.pipeInput('k', null, 10);
    expect(out.readRecordsToList().map((r) => [r.value, r.timestamp])).toEqual([
      ['[A, null]', 100],
      ['[A, a]', 300],
      ['[B, a]', 300],
      ['[B, null]', 50],
    ]);
  });

  it('records the two tables topics as a co-partition group', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.table<string, string>('positions', Consumed.with(S, S)).join(b.table<string, string>('limits', Consumed.with(S, S)), pair);
    expect(b.build().copartitionGroups().map((g) => [...g].sort())).toEqual([['limits', 'positions']]);
  });

  it('materialized results are queryable, and downstream aggregates see correct old values', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    const positions = b.table<string, { desk: string; qty: number }>('positions', Consumed.with(S, J), { cachingEnabled: false });
    const prices = b.table<string, number>('prices', Consumed.with(S, J), { cachingEnabled: false });
    const exposure = positions.join(prices, (p, price) => ({ desk: p.desk, value: p.qty * price }), Materialized.as<string, { desk: string; value: number }>('exposure').withValueSerde(J).withCachingDisabled());
    exposure
      .groupBy((_k, v) => ({ key: v.desk, value: v.value }), Grouped.with(S, J))
      .aggregate(() => 0, (_k, v, agg) => agg + v, (_k, v, agg) => agg - v, { storeName: 'desk-exposure', valueSerde: J, cachingEnabled: false })
      .toStream()
      .to('desk', Produced.with(S, J));
    const d = driverFor(b.build());
    const pos = d.createInputTopic('positions', S, J);
    const px = d.createInputTopic('prices', S, J);
    pos.pipeInput('NVDA', { desk: 'eq', qty: 10 }, 1);
    px.pipeInput('NVDA', 5, 2);
    px.pipeInput('NVDA', 7, 3);
    pos.pipeInput('NVDA', { desk: 'eq', qty: 1 }, 4);
    px.pipeInput('NVDA', null, 5);
    expect(d.getKeyValueStore<string, unknown>('exposure')!.get('NVDA')).toBeUndefined();
    expect(d.createOutputTopic('desk', S, J).readValuesToList()).toEqual([50, 70, 7, 0]);
    expect(d.getKeyValueStore<string, number>('desk-exposure')!.get('eq')).toBe(0);
  });

  it('joins tables that have no store (filter and mapValues results)', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    const a = b.table<string, number>('a', Consumed.with(S, J)).filter((_k, v) => v % 2 === 0);
    const c = b.table<string, number>('c', Consumed.with(S, J)).mapValues((v) => v * 10);
    a.outerJoin(c, (x, y) => (x ?? 0) + (y ?? 0)).toStream().to('out', Produced.with(S, J));
    const d = driverFor(b.build());
    const ta = d.createInputTopic('a', S, J);
    const tc = d.createInputTopic('c', S, J);
    ta.pipeInput('k', 2, 1);
    tc.pipeInput('k', 1, 2);
    ta.pipeInput('k', 3, 3); // leaves the filtered table
    tc.pipeInput('k', null, 4);
    expect(d.createOutputTopic('out', S, J).readValuesToList()).toEqual([2, 12, 10, null]);
  });

  it('left join with Long values and a named, materialized result', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'rocksdb' });
    const l = b.table<string, number>('l', Consumed.with(S, L));
    const r = b.table<string, number>('r', Consumed.with(S, L));
    l.leftJoin(r, (x, y) => x + (y ?? 0), { name: 'sum' }, Materialized.as<string, number>('sums').withValueSerde(Serdes.Long()))
      .toStream()
      .to('out', Produced.with(S, L));
    const topology = b.build();
    expect(topology.node('sum-join-this')).toBeDefined();
    expect(topology.node('sum-join-other')).toBeDefined();
    const d = driverFor(topology);
    d.createInputTopic('l', S, L).pipeInput('k', 1, 1);
    d.createInputTopic('r', S, L).pipeInput('k', 2, 2);
    expect(d.createOutputTopic('out', S, L).readValuesToList()).toEqual([1, 3]);
    expect(d.getKeyValueStore<string, number>('sums')!.get('k')).toBe(3);
  });
});
