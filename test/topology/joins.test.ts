import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../common/errors.ts';
import { Stores } from '../../state/stores.ts';
import { copartitionedRepartitionCounts, validateCopartitioning } from '../../topology/copartition.ts';
import { JoinWindows } from '../../topology/join-windows.ts';
import { Consumed, Produced } from '../../topology/options.ts';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import { versionedGlobalTable, versionedTable } from '../../topology/versioned-table.ts';
import { driverFor, J, S } from '../helpers/driver.ts';

describe('timestamped stream-table joins on versioned tables', () => {
  function pricedOrders(kind: 'join' | 'leftJoin', retentionMs = 10_000) {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    const prices = versionedTable<string, number>(b, 'prices', Consumed.with(S, J), {
      supplier: Stores.inMemoryVersionedKeyValueStore('prices-store', retentionMs),
    });
    prices.toStream().to('price-updates', Produced.with(S, J));
    const orders = b.stream<string, number>('orders', Consumed.with(S, J));
    const joiner = (qty: number, price: number | null) => (price === null ? null : qty * price);
    (kind === 'join' ? orders.join(prices, joiner) : orders.leftJoin(prices, joiner)).to('out', Produced.with(S, J));
    const d = driverFor(b.build());
    return {
      d,
      prices: d.createInputTopic('prices', S, J),
      orders: d.createInputTopic('orders', S, J),
      out: d.createOutputTopic('out', S, J),
      updates: d.createOutputTopic('price-updates', S, J),
    };
  }

  it('each stream record joins the table row as it was at the record timestamp', () => {
    const { prices, orders, out } = pricedOrders('join');
    prices.pipeInput('NVDA', 100, 1000);
    prices.pipeInput('NVDA', 110, 2000);
    prices.pipeInput('NVDA', 120, 3000);
    orders.pipeInput('NVDA', 1, 2500);
    orders.pipeInput('NVDA', 1, 1500);
    orders.pipeInput('NVDA', 1, 999);
    orders.pipeInput('NVDA', 1, 3000);
    expect(out.readValuesToList()).toEqual([110, 100, 120]);
  });

  it('out-of-order table updates go into the history but are not forwarded', () => {
    const { d, prices, orders, out, updates } = pricedOrders('join');
    prices.pipeInput('NVDA', 100, 1000);
    prices.pipeInput('NVDA', 120, 3000);
    prices.pipeInput('NVDA', 110, 2000); // older than the latest: history only
    expect(updates.readValuesToList()).toEqual([100, 120]);
    orders.pipeInput('NVDA', 1, 2500);
    expect(out.readValuesToList()).toEqual([110]);
    const store = d.getVersionedKeyValueStore<string, number>('prices-store')!;
    expect(store.get('NVDA')?.value).toBe(120);
    expect(store.get('NVDA', 2999)).toEqual({ value: 110, timestamp: 2000, validTo: 3000 });
    expect(d.getVersionedKeyValueStore('nope')).toBeUndefined();
  });

  it('a tombstone ends the row from its timestamp on; older records still see the old value', () => {
    const { prices, orders, out } = pricedOrders('leftJoin');
    prices.pipeInput('NVDA', 100, 1000);
    prices.pipeInput('NVDA', null, 2000);
    orders.pipeInput('NVDA', 2, 1500);
    orders.pipeInput('NVDA', 2, 2500);
    expect(out.readValuesToList()).toEqual([200, null]);
  });

  it('records older than the history retention: inner join drops them, left join joins them with null', () => {
    const inner = pricedOrders('join', 1000);
    inner.prices.pipeInput('NVDA', 100, 1000);
    inner.prices.pipeInput('NVDA', 101, 5000); // stream time of the store: 5000, history kept back to 4000
    inner.orders.pipeInput('NVDA', 1, 3999);
    inner.orders.pipeInput('NVDA', 1, 4000);
    expect(inner.out.readValuesToList()).toEqual([100]);

    const left = pricedOrders('leftJoin', 1000);
    left.prices.pipeInput('NVDA', 100, 1000);
    left.prices.pipeInput('NVDA', 101, 5000);
    left.orders.pipeInput('NVDA', 1, 3999);
    expect(left.out.readValuesToList()).toEqual([null]);
  });

  it('versioned tables restore from their changelog records', () => {
    const { d, prices } = pricedOrders('join');
    prices.pipeInput('NVDA', 100, 1000);
    prices.pipeInput('NVDA', 90, 500);
    const changelog = d.producedRecords('test-driver-prices-store-changelog');
    expect(changelog.map((r) => [r.key?.toString(), r.value?.toString(), r.timestamp])).toEqual([
      ['NVDA', '100', 1000],
      ['NVDA', '90', 500],
    ]);
  });

  it('table-table joins of a versioned table see only in-order updates', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    const prices = versionedTable<string, number>(b, 'prices', Consumed.with(S, J), {
      supplier: Stores.persistentVersionedKeyValueStore('prices-store', 10_000),
    });
    const positions = b.table<string, number>('positions', Consumed.with(S, J), { cachingEnabled: false });
    positions.join(prices, (qty, price) => qty * price).toStream().to('out', Produced.with(S, J));
    const d = driverFor(b.build());
    d.createInputTopic('positions', S, J).pipeInput('NVDA', 2, 1);
    const px = d.createInputTopic('prices', S, J);
    px.pipeInput('NVDA', 100, 1000);
    px.pipeInput('NVDA', 50, 500);
    px.pipeInput('NVDA', 110, 1100);
    expect(d.createOutputTopic('out', S, J).readValuesToList()).toEqual([200, 220]);
  });

  it('foreign-key joins read the latest version of versioned tables and ignore out-of-order updates', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    const prices = versionedTable<string, number>(b, 'prices', Consumed.with(S, J), {
      supplier: Stores.inMemoryVersionedKeyValueStore('prices-store', 10_000),
    });
    const positions = versionedTable<string, { symbol: string; qty: number }>(b, 'positions', Consumed.with(S, J), {
      supplier: Stores.inMemoryVersionedKeyValueStore('positions-store', 10_000),
    });
    positions.leftJoin(prices, (p) => p.symbol, (p, price) => p.qty * (price ?? 0)).toStream().to('out', Produced.with(S, J));
    const d = driverFor(b.build());
    const px = d.createInputTopic('prices', S, J);
    const pos = d.createInputTopic('positions', S, J);
    px.pipeInput('NVDA', 100, 1000);
    pos.pipeInput('A1|NVDA', { symbol: 'NVDA', qty: 2 }, 1000);
    px.pipeInput('NVDA', 50, 500); // out of order: history only
    pos.pipeInput('A1|NVDA', { symbol: 'NVDA', qty: 9 }, 900); // out of order: history only
    px.pipeInput('NVDA', 110, 1100);
    expect(d.createOutputTopic('out', S, J).readValuesToList()).toEqual([200, 220]);
  });

  it('a versioned global table is looked up as of the stream record timestamp', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    const fx = versionedGlobalTable<string, number>(b, 'fx', Consumed.with(S, J), { supplier: Stores.inMemoryVersionedKeyValueStore('fx-store', 60_000) });
    b.stream<string, { ccy: string; amount: number }>('payments', Consumed.with(S, J))
      .join(fx, (_k, p) => p.ccy, (p, rate) => p.amount * rate)
      .to('out', Produced.with(S, J));
    const d = driverFor(b.build());
    const rates = d.createInputTopic('fx', S, J);
    rates.pipeInput('EUR', 1.1, 1000);
    rates.pipeInput('EUR', 1.2, 2000);
    const payments = d.createInputTopic('payments', S, J);
    payments.pipeInput('p1', { ccy: 'EUR', amount: 10 }, 1500);
    payments.pipeInput('p2', { ccy: 'EUR', amount: 10 }, 2500);
    expect(d.createOutputTopic('out', S, J).readValuesToList()).toEqual([11, 12]);
  });
});

describe('describing joins', () => {
  it('lists the join processors with the stores they use', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    const left = b.stream<string, string>('left', Consumed.with(S, S));
    const right = b.stream<string, string>('right', Consumed.with(S, S));
    left.join(right, (l, r) => l + r, JoinWindows.ofTimeDifferenceWithNoGrace(10)).to('out', Produced.with(S, S));
    const text = b.build().describe().toString();
    expect(text).toContain('Processor: KSTREAM-JOINTHIS-0000000002 (stores: [KSTREAM-JOINOTHER-0000000003-store, KSTREAM-JOINTHIS-0000000002-store])');
    expect(text).toContain('Processor: KSTREAM-MERGE-0000000004 (stores: [])');
  });
});

describe('co-partitioning of joins', () => {
  function joinTopology() {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    const limits = b.table<string, number>('limits', Consumed.with(S, J));
    const orders = b.stream<string, number>('orders', Consumed.with(S, J));
    orders.join(limits, (o, l) => o <= l).to('checked', Produced.with(S, J));
    const fills = b.stream<string, { acct: string }>('fills', Consumed.with(S, J)).selectKey((_k, v) => v.acct);
    orders.join(fills, (o, f) => ({ o, f }), JoinWindows.ofTimeDifferenceWithNoGrace(1000)).to('matched', Produced.with(S, J));
    const topology = b.build();
    return { topology, repartition: topology.internalTopics()[0].name };
  }

  it('groups every topic a join reads, merging groups that share a topic', () => {
    const { topology, repartition } = joinTopology();
    expect(repartition).toMatch(/^KSTREAM-KEY-SELECT-\d{10}-repartition$/);
    expect(topology.copartitionGroups().map((g) => [...g].sort())).toEqual([[repartition, 'limits', 'orders']]);
  });

  it('validateCopartitioning names both topics and their counts when they differ', () => {
    const { topology, repartition } = joinTopology();
    const counts: Record<string, number> = { limits: 8, orders: 8, [repartition]: 8 };
    expect(() => validateCopartitioning(topology, (t) => counts[t])).not.toThrow();
    counts.orders = 4;
    expect(() => validateCopartitioning(topology, (t) => counts[t])).toThrow(TopologyError);
    expect(() => validateCopartitioning(topology, (t) => counts[t])).toThrow(/topics \S+ \(8 partitions\) and orders \(4 partitions\)/);
  });

  it('sizes open repartition topics of a group after its largest fixed topic', () => {
    const { topology, repartition } = joinTopology();
    const counts: Record<string, number> = { limits: 6, orders: 6 };
    expect(copartitionedRepartitionCounts(topology, (t) => counts[t])).toEqual(new Map([[repartition, 6]]));
  });

  it('global-table joins and foreign-key joins add no group across the two tables', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    const positions = b.table<string, { symbol: string }>('positions', Consumed.with(S, J));
    const prices = b.table<string, number>('prices', Consumed.with(S, J));
    positions.join(prices, (p) => p.symbol, (p, price) => ({ p, price }));
    const groups = b.build().copartitionGroups().map((g) => [...g].sort());
    expect(groups.some((g) => g.includes('positions') && g.includes('prices'))).toBe(false);
  });
});
