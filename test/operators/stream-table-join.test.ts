import { describe, expect, it } from 'vitest';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import { Joined } from '../../topology/joined.ts';
import { Consumed, Produced } from '../../topology/options.ts';
import { driverFor, J, S } from '../helpers/driver.ts';

const pair = (l: unknown, r: unknown) => `[${l}, ${r}]`;

function streamTable(kind: 'join' | 'leftJoin', configure?: (b: StreamsBuilder) => void) {
  const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
  const stream = b.stream<string, string>('left', Consumed.with(S, S));
  const table = b.table<string, string>('right', Consumed.with(S, S), { cachingEnabled: false });
  if (kind === 'join') stream.join(table, pair).to('out', Produced.with(S, S));
  else stream.leftJoin(table, pair).to('out', Produced.with(S, S));
  configure?.(b);
  const d = driverFor(b.build());
  return {
    d,
    left: d.createInputTopic('left', S, S),
    right: d.createInputTopic('right', S, S),
    out: d.createOutputTopic('out', S, S),
  };
}

describe('KStream-KTable join', () => {
  // Kafka Streams' documented walk-through: one key, records in timestamp order, the table never triggers.
  const walkThrough: Array<{ ts: number; left?: string | null; right?: string | null; inner: string[]; left_: string[] }> = [
    { ts: 1, left: null, inner: [], left_: [] },
    { ts: 2, right: null, inner: [], left_: [] },
    { ts: 3, left: 'A', inner: [], left_: ['[A, null]'] },
    { ts: 4, right: 'a', inner: [], left_: [] },
    { ts: 5, left: 'B', inner: ['[B, a]'], left_: ['[B, a]'] },
    { ts: 6, right: 'b', inner: [], left_: [] },
    { ts: 7, left: null, inner: [], left_: [] },
    { ts: 8, right: null, inner: [], left_: [] },
    { ts: 9, left: 'C', inner: [], left_: ['[C, null]'] },
    { ts: 10, right: 'c', inner: [], left_: [] },
    { ts: 11, right: null, inner: [], left_: [] },
    { ts: 12, left: null, inner: [], left_: [] },
    { ts: 13, right: null, inner: [], left_: [] },
    { ts: 14, right: 'd', inner: [], left_: [] },
    { ts: 15, left: 'D', inner: ['[D, d]'], left_: ['[D, d]'] },
  ];

  for (const kind of ['join', 'leftJoin'] as const) {
    it(`${kind}: the documented walk-through, row by row`, () => {
      const { left, right, out } = streamTable(kind);
      for (const row of walkThrough) {
        if (row.left !== undefined) left.pipeInput('k', row.left, row.ts);
        else right.pipeInput('k', row.right ?? null, row.ts);
        const expected = kind === 'join' ? row.inner : row.left_;
        expect(out.readValuesToList(), `timestamp ${row.ts}`).toEqual(expected);
      }
    });
  }

  it('keeps the stream record key and timestamp; table updates alone emit nothing', () => {
    const { left, right, out } = streamTable('join');
    right.pipeInput('k', 'v1', 100);
    right.pipeInput('k', 'v2', 200);
    expect(out.isEmpty()).toBe(true);
    left.pipeInput('k', 'x', 50);
    expect(out.readRecord()).toMatchObject({ key: 'k', value: '[x, v2]', timestamp: 50 });
  });

  it('without a versioned table, an out-of-order stream record joins the current row, not the one of its time', () => {
    const { left, right, out } = streamTable('join');
    right.pipeInput('k', 'v1', 100);
    right.pipeInput('k', 'v2', 300);
    left.pipeInput('k', 'late', 200);
    left.pipeInput('k', 'older', 50);
    expect(out.readRecordsToList().map((r) => [r.value, r.timestamp])).toEqual([
      ['[late, v2]', 200],
      ['[older, v2]', 50],
    ]);
  });

  it('inner join drops null keys and values; left join emits a null key with no table value (KIP-962)', () => {
    const inner = streamTable('join');
    inner.right.pipeInput('k', 'v', 1);
    inner.left.pipeInput(null, 'x', 2);
    inner.left.pipeInput('k', null, 3);
    expect(inner.out.isEmpty()).toBe(true);
    const dropped = inner.d.metrics.sensors().filter((s) => s.name === 'dropped_records').reduce((n, s) => n + s.count, 0);
    expect(dropped).toBe(2);

    const left = streamTable('leftJoin');
    left.left.pipeInput(null, 'x', 2);
    left.left.pipeInput('k', null, 3);
    expect(left.out.readKeyValuesToList()).toEqual([{ key: null, value: '[x, null]' }]);
  });

  it('a table tombstone removes the match for later stream records', () => {
    const { left, right, out } = streamTable('leftJoin');
    right.pipeInput('k', 'v', 1);
    left.pipeInput('k', 'x', 2);
    right.pipeInput('k', null, 3);
    left.pipeInput('k', 'y', 4);
    expect(out.readValuesToList()).toEqual(['[x, v]', '[y, null]']);
  });

  it('joins a re-keyed stream through a repartition topic and records the co-partitioning', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    const table = b.table<string, string>('symbols', Consumed.with(S, S));
    b.stream<string, { symbol: string }>('orders', Consumed.with(S, J))
      .selectKey((_k, v) => v.symbol)
      .join(table, (order, name) => `${order.symbol}:${name}`, Joined.with(S, J))
      .to('out', Produced.with(S, S));
    const topology = b.build();
    expect(topology.internalTopics().map((t) => t.name)).toEqual(['KSTREAM-KEY-SELECT-0000000004-repartition']);
    expect(topology.copartitionGroups().map((g) => [...g].sort())).toEqual([
      ['KSTREAM-KEY-SELECT-0000000004-repartition', 'symbols'],
    ]);
    const d = driverFor(topology);
    d.createInputTopic('symbols', S, S).pipeInput('NVDA', 'Nvidia', 1);
    d.createInputTopic('orders', S, J).pipeInput('A1', { symbol: 'NVDA' }, 2);
    expect(d.createOutputTopic('out', S, S).readKeyValuesToList()).toEqual([{ key: 'NVDA', value: 'NVDA:Nvidia' }]);
  });

  it('joins a table without a store of its own (a filter result) by materializing it once', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    const table = b.table<string, number>('limits', Consumed.with(S, J)).filter((_k, v) => v > 0);
    const stream = b.stream<string, number>('orders', Consumed.with(S, J));
    stream.join(table, (qty, limit) => qty <= limit).to('ok', Produced.with(S, J));
    stream.leftJoin(table, (_qty, limit) => limit).to('limit', Produced.with(S, J));
    const topology = b.build();
    expect(topology.stateStores().filter((s) => s.name.includes('KTABLE-FILTER'))).toHaveLength(1);
    const d = driverFor(topology);
    const limits = d.createInputTopic('limits', S, J);
    const orders = d.createInputTopic('orders', S, J);
    limits.pipeInput('a', 10, 1);
    orders.pipeInput('a', 5, 2);
    limits.pipeInput('a', -1, 3); // filtered out: the row leaves the filtered table
    orders.pipeInput('a', 5, 4);
    expect(d.createOutputTopic('ok', S, J).readValuesToList()).toEqual([true]);
    expect(d.createOutputTopic('limit', S, J).readValuesToList()).toEqual([10, null]);
  });
});

describe('KStream-GlobalKTable join', () => {
  function globalJoin(kind: 'join' | 'leftJoin') {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    const prices = b.globalTable<string, number>('prices', Consumed.with(S, J));
    const orders = b.stream<string, { symbol: string | null; qty: number }>('orders', Consumed.with(S, J));
    const mapper = (_k: string, v: { symbol: string | null }) => v.symbol;
    const joiner = (o: { qty: number }, price: number | null) => (price === null ? null : o.qty * price);
    if (kind === 'join') orders.join(prices, mapper, joiner).to('out', Produced.with(S, J));
    else orders.leftJoin(prices, mapper, joiner).to('out', Produced.with(S, J));
    const topology = b.build();
    const d = driverFor(topology);
    return { topology, d, prices: d.createInputTopic('prices', S, J), orders: d.createInputTopic('orders', S, J), out: d.createOutputTopic('out', S, J) };
  }

  it('looks the table up by the mapped key; the table is whatever was loaded, whatever its timestamps', () => {
    const { topology, prices, orders, out } = globalJoin('join');
    expect(topology.copartitionGroups()).toEqual([]);
    prices.pipeInput('NVDA', 400, 1000);
    orders.pipeInput('acct-1', { symbol: 'NVDA', qty: 2 }, 1);
    orders.pipeInput('acct-1', { symbol: 'AAPL', qty: 2 }, 2);
    prices.pipeInput('NVDA', null, 3);
    orders.pipeInput('acct-2', { symbol: 'NVDA', qty: 1 }, 4);
    expect(out.readKeyValuesToList()).toEqual([{ key: 'acct-1', value: 800 }]);
  });

  it('left join emits unmatched records, also when the key mapper returns null', () => {
    const { prices, orders, out } = globalJoin('leftJoin');
    prices.pipeInput('NVDA', 400, 1);
    orders.pipeInput('acct-1', { symbol: 'NVDA', qty: 1 }, 2);
    orders.pipeInput('acct-1', { symbol: 'MSFT', qty: 1 }, 3);
    orders.pipeInput('acct-1', { symbol: null, qty: 1 }, 4);
    orders.pipeInput(null, { symbol: 'NVDA', qty: 3 }, 5);
    orders.pipeInput('acct-1', null, 6);
    expect(out.readKeyValuesToList()).toEqual([
      { key: 'acct-1', value: 400 },
      { key: 'acct-1', value: null },
      { key: 'acct-1', value: null },
      { key: null, value: 1200 },
    ]);
  });
});
