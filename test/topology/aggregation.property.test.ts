// Property: whatever the input, cache size or store engine, aggregations end in the state a naive model computes.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import { Consumed, Grouped, Produced } from '../../topology/options.ts';
import { driverFor, J, L, S } from '../helpers/driver.ts';

const keys = fc.constantFrom('a', 'b', 'c', 'd', 'e');
const events = fc.array(fc.record({ key: keys, value: fc.integer({ min: -50, max: 50 }) }), { maxLength: 60 });

describe('aggregations agree with a naive model', () => {
  it('stream count and sum per key, memory or RocksDB, with and without caching, any cache size', () => {
    fc.assert(
      fc.property(events, fc.boolean(), fc.integer({ min: 0, max: 400 }), fc.constantFrom('in-memory', 'rocksdb'), (input, caching, cacheBytes, engine) => {
        const b = new StreamsBuilder({ defaultStoreType: engine as 'in-memory' | 'rocksdb' });
        const grouped = b.stream<string, number>('in', Consumed.with(S, J)).groupByKey();
        grouped.count({ storeName: 'count', cachingEnabled: caching }).toStream().to('counts', Produced.with(S, L));
        grouped
          .aggregate(() => 0, (_k, v, sum) => sum + v, { storeName: 'sum', valueSerde: J, cachingEnabled: caching })
          .toStream()
          .to('sums', Produced.with(S, J));
        const d = driverFor(b.build(), { cacheMaxBytes: cacheBytes });
        const topic = d.createInputTopic('in', S, J);
        input.forEach((e, i) => topic.pipeInput(e.key, e.value, i));

        const count = new Map<string, number>();
        const sum = new Map<string, number>();
        for (const e of input) {
          count.set(e.key, (count.get(e.key) ?? 0) + 1);
          sum.set(e.key, (sum.get(e.key) ?? 0) + e.value);
        }
        expect(d.createOutputTopic('counts', S, L).readKeyValuesToMap()).toEqual(count);
        expect(d.createOutputTopic('sums', S, J).readKeyValuesToMap()).toEqual(sum);
        const store = d.getKeyValueStore<string, number>('sum')!;
        expect(new Map(store.all().map((kv) => [kv.key, kv.value]))).toEqual(sum);
        d.close();
      }),
      { numRuns: 60 },
    );
  });

  it('table groupBy aggregate equals recomputing from the final table', () => {
    const rows = fc.array(
      fc.record({
        row: fc.constantFrom('p1', 'p2', 'p3', 'p4'),
        value: fc.option(fc.record({ account: keys, qty: fc.integer({ min: -20, max: 20 }) }), { nil: null }),
      }),
      { maxLength: 50 },
    );
    fc.assert(
      fc.property(rows, fc.boolean(), (input, caching) => {
        const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
        b.table<string, { account: string; qty: number }>('positions', Consumed.with(S, J), { cachingEnabled: caching })
          .groupBy((_k, v) => ({ key: v.account, value: v.qty }), Grouped.with(S, J))
          .aggregate(
            () => 0,
            (_k, q, total) => total + q,
            (_k, q, total) => total - q,
            { storeName: 'exposure', valueSerde: J, cachingEnabled: caching },
          );
        const d = driverFor(b.build());
        const topic = d.createInputTopic('positions', S, J);
        const table = new Map<string, { account: string; qty: number }>();
        input.forEach((e, i) => {
          topic.pipeInput(e.row, e.value, i);
          if (e.value === null) table.delete(e.row);
          else table.set(e.row, e.value);
        });
        const expected = new Map<string, number>();
        const touched = new Set(input.flatMap((e) => (e.value === null ? [] : [e.value.account])));
        for (const account of touched) expected.set(account, 0);
        for (const v of table.values()) expected.set(v.account, (expected.get(v.account) ?? 0) + v.qty);
        const store = d.getKeyValueStore<string, number>('exposure')!;
        expect(new Map(store.all().map((kv) => [kv.key, kv.value]))).toEqual(expected);
        d.close();
      }),
      { numRuns: 60 },
    );
  });
});
