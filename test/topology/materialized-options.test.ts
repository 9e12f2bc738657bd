// Materialized options that reach past Kafka Streams' defaults: versioned source tables and state TTL.

import { describe, expect, it } from 'vitest';
import { Stores } from '../../state/stores.ts';
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

  it('refuses a versioned supplier where only a plain store fits', () => {
    const b = new StreamsBuilder();
    expect(() =>
      b.stream<string, string>('in', Consumed.with(S, S)).groupByKey().count({ supplier: Stores.inMemoryVersionedKeyValueStore('v', 1000) } as never),
    ).toThrow(/versioned store can back a source table/);
  });
});
