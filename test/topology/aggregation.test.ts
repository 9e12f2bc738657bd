import { describe, expect, it } from 'vitest';
import { Serdes } from '../../common/serdes.ts';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import { Consumed, Grouped, Materialized, Produced } from '../../topology/options.ts';
import { driverFor, J, L, S } from '../helpers/driver.ts';

describe('grouped stream aggregations', () => {
  it('count per key emits every update when caching is off', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.stream<string, string>('in', Consumed.with(S, S))
      .groupByKey()
      .count(Materialized.as<string, number>('counts').withCachingDisabled())
      .toStream()
      .to('out', Produced.with(S, L));
    const d = driverFor(b.build());
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 1);
    input.pipeInput('b', 'x', 2);
    input.pipeInput('a', 'x', 3);
    expect(d.createOutputTopic('out', S, L).readKeyValuesToList()).toEqual([
      { key: 'a', value: 1 },
      { key: 'b', value: 1 },
      { key: 'a', value: 2 },
    ]);
    expect(d.getKeyValueStore<string, number>('counts')!.get('a')).toBe(2);
  });

  it('with caching on, the driver commits after each record so each update still arrives', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.stream<string, string>('in', Consumed.with(S, S)).groupByKey().count({ storeName: 'counts' }).toStream().to('out', Produced.with(S, L));
    const d = driverFor(b.build());
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 1);
    input.pipeInput('a', 'x', 5);
    const records = d.createOutputTopic('out', S, L).readRecordsToList();
    expect(records.map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['a', 1, 1],
      ['a', 2, 5],
    ]);
  });

  it('aggregate keeps the max timestamp of the inputs as the result timestamp', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.stream<string, number>('in', Consumed.with(S, J))
      .groupByKey()
      .aggregate(() => 0, (_k, v, sum) => sum + v, { storeName: 'sums', valueSerde: J, cachingEnabled: false })
      .toStream()
      .to('out', Produced.with(S, J));
    const d = driverFor(b.build());
    const input = d.createInputTopic('in', S, J);
    input.pipeInput('a', 5, 100);
    input.pipeInput('a', 7, 50);
    const out = d.createOutputTopic('out', S, J).readRecordsToList();
    expect(out.map((r) => [r.value, r.timestamp])).toEqual([
      [5, 100],
      [12, 100],
    ]);
  });

  it('reduce skips null values and null keys (counted as dropped)', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.stream<string, number>('in', Consumed.with(S, J))
      .groupByKey()
      .reduce((a, v) => a + v, { storeName: 'r', valueSerde: J, cachingEnabled: false })
      .toStream()
      .to('out', Produced.with(S, J));
    const d = driverFor(b.build());
    const input = d.createInputTopic('in', S, J);
    input.pipeInput('a', 1, 1);
    input.pipeInput('a', null, 2);
    input.pipeInput(null, 3, 3);
    input.pipeInput('a', 4, 4);
    expect(d.createOutputTopic('out', S, J).readValuesToList()).toEqual([1, 5]);
    const dropped = d.metrics.sensors().filter((s) => s.name === 'dropped_records').reduce((n, s) => n + s.count, 0);
    expect(dropped).toBe(2);
  });

  it('groupBy repartitions through <app>-<store>-repartition and counts by the new key', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.stream<string, { symbol: string }>('orders', Consumed.with(S, J))
      .groupBy((_k, v) => v.symbol, Grouped.with(S, J))
      .count({ storeName: 'by-symbol', cachingEnabled: false })
      .toStream()
      .to('out', Produced.with(S, L));
    const d = driverFor(b.build(), { applicationId: 'app' });
    const input = d.createInputTopic('orders', S, J);
    input.pipeInput('acct1', { symbol: 'NVDA' }, 1);
    input.pipeInput('acct2', { symbol: 'NVDA' }, 2);
    input.pipeInput('acct1', { symbol: 'AAPL' }, 3);
    expect(d.producedTopicNames()).toContain('app-by-symbol-repartition');
    expect(d.producedTopicNames()).toContain('app-by-symbol-changelog');
    expect(d.createOutputTopic('out', S, L).readKeyValuesToMap()).toEqual(
      new Map([
        ['NVDA', 2],
        ['AAPL', 1],
      ]),
    );
  });

  it('selectKey then groupByKey also repartitions; groupByKey alone does not', () => {
    const b1 = new StreamsBuilder();
    b1.stream<string, string>('in', Consumed.with(S, S)).groupByKey().count();
    expect(b1.build().internalTopics()).toEqual([]);
    const b2 = new StreamsBuilder();
    b2.stream<string, string>('in', Consumed.with(S, S)).selectKey((_k, v) => v).groupByKey().count();
    expect(b2.build().internalTopics().map((t) => t.name)).toEqual(['KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition']);
  });
});

describe('KTable', () => {
  it('table() materializes the topic; tombstones delete and are forwarded', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.table<string, string>('t', Consumed.with(S, S), { storeName: 'tstore', cachingEnabled: false }).toStream().to('out', Produced.with(S, S));
    const d = driverFor(b.build());
    const input = d.createInputTopic('t', S, S);
    input.pipeInput('k', 'v1', 1);
    input.pipeInput('k', 'v2', 2);
    input.pipeInput('k', null, 3);
    input.pipeInput('missing', null, 4);
    expect(d.createOutputTopic('out', S, S).readKeyValuesToList()).toEqual([
      { key: 'k', value: 'v1' },
      { key: 'k', value: 'v2' },
      { key: 'k', value: null },
    ]);
    expect(d.getKeyValueStore('tstore')!.get('k')).toBeUndefined();
  });

  it('filter retracts rows that stop matching and ignores rows that never matched', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.table<string, number>('t', Consumed.with(S, J), { cachingEnabled: false })
      .filter((_k, v) => v > 10)
      .toStream()
      .to('out', Produced.with(S, J));
    const d = driverFor(b.build());
    const input = d.createInputTopic('t', S, J);
    input.pipeInput('a', 5, 1); // never matched: nothing
    input.pipeInput('a', 20, 2); // matches
    input.pipeInput('a', 3, 3); // stops matching: tombstone
    expect(d.createOutputTopic('out', S, J).readKeyValuesToList()).toEqual([
      { key: 'a', value: 20 },
      { key: 'a', value: null },
    ]);
  });

  it('mapValues applies to new values', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.table<string, number>('t', Consumed.with(S, J), { cachingEnabled: false })
      .mapValues((v) => v * 2)
      .toStream()
      .to('out', Produced.with(S, J));
    const d = driverFor(b.build());
    d.createInputTopic('t', S, J).pipeInput('a', 21, 1);
    expect(d.createOutputTopic('out', S, J).readValue()).toBe(42);
  });

  it('groupBy().aggregate subtracts and adds as one update: a moving row never shows a half state', () => {
    // position per (account|symbol) → exposure per account; moving a row between accounts and updating in place.
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.table<string, { account: string; qty: number }>('positions', Consumed.with(S, J), { cachingEnabled: false })
      .groupBy((_k, v) => ({ key: v.account, value: v.qty }), Grouped.with(S, J))
      .aggregate(
        () => 0,
        (_k, qty, total) => total + qty,
        (_k, qty, total) => total - qty,
        { storeName: 'exposure', valueSerde: J, cachingEnabled: false },
      )
      .toStream()
      .to('out', Produced.with(S, J));
    const d = driverFor(b.build());
    const input = d.createInputTopic('positions', S, J);
    const out = d.createOutputTopic('out', S, J);
    input.pipeInput('p1', { account: 'A', qty: 10 }, 1);
    input.pipeInput('p2', { account: 'A', qty: 5 }, 2);
    out.readRecordsToList();
    input.pipeInput('p1', { account: 'A', qty: 12 }, 3); // same key: one update 15 → 17, never 5
    expect(out.readKeyValuesToList()).toEqual([{ key: 'A', value: 17 }]);
    input.pipeInput('p2', { account: 'B', qty: 5 }, 4); // moves: A loses 5, B gains 5
    expect(out.readKeyValuesToList()).toEqual([
      { key: 'A', value: 12 },
      { key: 'B', value: 5 },
    ]);
    input.pipeInput('p1', null, 5); // delete: A drops to 0
    expect(out.readKeyValuesToList()).toEqual([{ key: 'A', value: 0 }]);
  });

  it('groupBy().count and reduce work on re-keyed rows', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    const grouped = b
      .table<string, string>('users', Consumed.with(S, S), { cachingEnabled: false })
      .groupBy((_k, region) => ({ key: region, value: 1 }), Grouped.with(S, J));
    grouped.count({ storeName: 'per-region', cachingEnabled: false }).toStream().to('counts', Produced.with(S, L));
    const d = driverFor(b.build());
    const input = d.createInputTopic('users', S, S);
    input.pipeInput('u1', 'eu', 1);
    input.pipeInput('u2', 'eu', 2);
    input.pipeInput('u1', 'us', 3);
    expect(d.createOutputTopic('counts', S, L).readKeyValuesToMap()).toEqual(
      new Map([
        ['eu', 1],
        ['us', 1],
      ]),
    );
  });

  it('toTable materializes a stream, repartitioning first when the key changed', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.stream<string, string>('in', Consumed.with(S, S))
      .selectKey((_k, v) => v)
      .toTable(undefined, { storeName: 'latest', keySerde: S, valueSerde: S, cachingEnabled: false })
      .toStream()
      .to('out', Produced.with(S, S));
    const topology = b.build();
    expect(topology.internalTopics()).toHaveLength(1);
    const d = driverFor(topology);
    d.createInputTopic('in', S, S).pipeInput('k', 'v', 1);
    expect(d.getKeyValueStore<string, string>('latest')!.get('v')).toBe('v');
  });

  it('global tables are fully loaded and readable from any task', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    const g = b.globalTable<string, string>('kill', Consumed.with(S, S), { storeName: 'kill-store' });
    b.stream<string, string>('orders', Consumed.with(S, S)).process(() => {
      let ctx: any;
      return {
        init: (c: any) => {
          ctx = c;
        },
        process: (r: any) => {
          const store = ctx.getStateStore(g.storeName);
          ctx.forward({ ...r, value: store.get(r.key)?.value ?? 'NONE' });
        },
      };
    }).to('out', Produced.with(S, S));
    const d = driverFor(b.build());
    d.createInputTopic('kill', S, S).pipeInput('acct', 'KILLED', 1);
    const orders = d.createInputTopic('orders', S, S);
    orders.pipeInput('acct', 'o1', 2);
    orders.pipeInput('other', 'o2', 3);
    expect(d.createOutputTopic('out', S, S).readValuesToList()).toEqual(['KILLED', 'NONE']);
    expect(d.getKeyValueStore<string, string>('kill-store')!.get('acct')).toBe('KILLED');
    expect(Serdes.String().serialize(null)).toBeNull();
  });
});
