// Materialized options that reach past Kafka Streams' defaults: versioned source tables, state TTL, read caches.

import { describe, expect, it } from 'vitest';
import { type KeyValueStoreBuilder, Stores } from '../../state/stores.ts';
import { Consumed, Materialized, Produced } from '../../topology/options.ts';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import { driverFor, J, L, S } from '../helpers/driver.ts';

describe('Materialized', () => {
  it('a versioned supplier makes builder.table keep history: stream records join the row as of their time', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    const prices = b.table<string, number>('prices', Consumed.with(S, J), Materialized.as(Stores.inMemoryVersionedKeyValueStore('prices-v', 60_000)));
    b.stream<string, number>('orders', Consumed.with(S, J))
      .join(prices, (qty, price) => qty * price)
      .to('notional', Produced.with(S, J));
    const d = driverFor(b.build());
    const p = d.createInputTopic('prices', S, J);
    p.pipeInput('NVDA', 100, 1_000);
    p.pipeInput('NVDA', 200, 2_000);
    const o = d.createInputTopic('orders', S, J);
    o.pipeInput('NVDA', 3, 1_500); // priced as of 1,500: 100
    o.pipeInput('NVDA', 3, 2_500); // 200
    expect(d.createOutputTopic('notional', S, J).readValuesToList()).toEqual([300, 600]);
    expect(d.getVersionedKeyValueStore<string, number>('prices-v')!.get('NVDA', 1_200)?.value).toBe(100);
  });

  it('withTtl expires aggregates on stream time', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.stream<string, string>('in', Consumed.with(S, S))
      .groupByKey()
      .count(Materialized.as<string, number>('recent').withTtl(1_000).withCachingDisabled())
      .toStream()
      .to('out', Produced.with(S, L));
    const d = driverFor(b.build());
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 0);
    input.pipeInput('a', 'x', 500);
    input.pipeInput('b', 'x', 5_000); // stream time moves on: a's count (last written at 500) has expired
    input.pipeInput('a', 'x', 5_001); // starts again from zero
    expect(d.createOutputTopic('out', S, L).readValuesToList()).toEqual([1, 2, 1, 1]);
  });

  it('global tables get a read cache by default (withReadCache sizes it, 0 removes it), none with a ttl', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'rocksdb' });
    b.globalTable('a', Consumed.with(S, J), Materialized.as('default'));
    b.globalTable('b', Consumed.with(S, J), Materialized.as<string, unknown>('sized').withReadCache(5));
    b.globalTable('c', Consumed.with(S, J), Materialized.as<string, unknown>('none').withReadCache(0));
    b.globalTable('d', Consumed.with(S, J), Materialized.as<string, unknown>('ttl').withTtl(1000));
    b.table('e', Consumed.with(S, J), Materialized.as('partitioned'));
    const topology = b.build();
    const entries = (name: string) => (topology.stateStore(name) as KeyValueStoreBuilder<unknown, unknown>).readCacheEntries;
    expect(['default', 'sized', 'none', 'ttl', 'partitioned'].map(entries)).toEqual([10_000, 5, 0, 0, 0]);
    expect(() => new StreamsBuilder().globalTable('t', {}, Materialized.as<string, unknown>('x').withTtl(1).withReadCache(3))).toThrow(/ttl/);
  });

  it('a cached global table still answers every join with its latest value, deletes included', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'rocksdb' });
    const kills = b.globalTable<string, string>('kills', Consumed.with(S, S), Materialized.as<string, string>('kills').withReadCache(2));
    b.stream<string, string>('orders', Consumed.with(S, S))
      .leftJoin(kills, (_k, scope) => scope, (order, state) => `${order}:${state ?? 'none'}`)
      .to('out', Produced.with(S, S));
    const d = driverFor(b.build());
    const k = d.createInputTopic('kills', S, S);
    const o = d.createInputTopic('orders', S, S);
    const scopes = ['A', 'B', 'C', 'A', 'B', 'C'];
    k.pipeInput('A', 'KILLED', 1);
    scopes.forEach((s, i) => o.pipeInput('x', s, 10 + i));
    k.pipeInput('A', 'ACTIVE', 20);
    k.pipeInput('B', 'KILLED', 21);
    scopes.forEach((s, i) => o.pipeInput('x', s, 30 + i));
    k.pipeInput('B', null, 40);
    o.pipeInput('x', 'B', 41);
    expect(d.createOutputTopic('out', S, S).readValuesToList()).toEqual([
      'A:KILLED', 'B:none', 'C:none', 'A:KILLED', 'B:none', 'C:none',
      'A:ACTIVE', 'B:KILLED', 'C:none', 'A:ACTIVE', 'B:KILLED', 'C:none',
      'B:none',
    ]);
  });

  it('refuses a versioned supplier where only a plain store fits', () => {
    const b = new StreamsBuilder();
    expect(() =>
      b.stream<string, string>('in', Consumed.with(S, S)).groupByKey().count({ supplier: Stores.inMemoryVersionedKeyValueStore('v', 1000) } as never),
    ).toThrow(/versioned store can back a source table/);
  });
});
