import { describe, expect, it } from 'vitest';
import { planPartitions } from '../../runtime/topic-plan.ts';
import { Consumed, Grouped } from '../../topology/options.ts';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import { J, S } from '../helpers/driver.ts';

describe('planPartitions', () => {
  it('sizes a repartition topic from the sub-topology that writes it', () => {
    const b = new StreamsBuilder();
    b.stream<string, { s: string }>('orders', Consumed.with(S, J)).groupBy((_k, v) => v.s, Grouped.as('by-symbol')).count();
    const plan = planPartitions(b.build(), () => 6, 1);
    expect(plan.topics.get('by-symbol-repartition')).toBe(6);
    expect([...plan.subtopologies.values()]).toEqual([6, 6]);
  });

  it('resolves the cycle of a foreign-key join through its co-partition groups', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    const rows = b.table<string, { symbol: string }>('rows', Consumed.with(S, J));
    const symbols = b.table<string, { price: number }>('prices', Consumed.with(S, J));
    rows.leftJoin(symbols, (r) => r.symbol, (r, p) => ({ ...r, price: p?.price ?? null }));
    const topology = b.build();
    const plan = planPartitions(topology, (t) => (t === 'rows' ? 4 : 2), 1);
    const internal = topology.internalTopics().map((t) => [t.name, plan.topics.get(t.name)]);
    expect(internal.find(([n]) => String(n).includes('REGISTRATION'))![1]).toBe(2); // with the foreign table
    expect(internal.find(([n]) => String(n).includes('RESPONSE'))![1]).toBe(4); // with the left table
  });

  it('refuses a key join of topics with different partition counts', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.table('a', Consumed.with(S, J)).join(b.table('b', Consumed.with(S, J)), (x, y) => [x, y]);
    expect(() => planPartitions(b.build(), (t) => (t === 'a' ? 3 : 5), 1)).toThrow(/a \(3\).*b \(5\)|b \(5\).*a \(3\)/);
  });
});
