import { describe, expect, it } from 'vitest';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import { Consumed, Grouped, Materialized, Named, Produced } from '../../topology/options.ts';
import { J, S } from '../helpers/driver.ts';

describe('Topology.describe()', () => {
  it('prints Kafka Streams text layout with generated names', () => {
    const b = new StreamsBuilder();
    b.stream<string, string>('input', Consumed.with(S, S))
      .mapValues((v) => v.toUpperCase())
      .to('output', Produced.with(S, S));
    expect(b.build().describe().toString()).toBe(
      [
        'Topologies:',
        '   Sub-topology: 0',
        '    Source: KSTREAM-SOURCE-0000000000 (topics: [input])',
        '      --> KSTREAM-MAPVALUES-0000000001',
        '    Processor: KSTREAM-MAPVALUES-0000000001 (stores: [])',
        '      --> KSTREAM-SINK-0000000002',
        '      <-- KSTREAM-SOURCE-0000000000',
        '    Sink: KSTREAM-SINK-0000000002 (topic: output)',
        '      <-- KSTREAM-MAPVALUES-0000000001',
        '',
        '',
      ].join('\n'),
    );
  });

  it('splits at repartition topics into sub-topologies and lists global stores last', () => {
    const b = new StreamsBuilder();
    b.globalTable('kill', Consumed.with(S, J), Materialized.as('kill-store'));
    b.stream<string, { s: string }>('orders', Consumed.with(S, J))
      .groupBy((_k, v) => v.s, Grouped.as('by-symbol'))
      .count(Materialized.as('counts'), Named.as('count'))
      .toStream()
      .to('counts-out');
    const text = b.build().describe().toString();
    expect(text).toContain('   Sub-topology: 0\n    Source: KSTREAM-SOURCE-0000000002 (topics: [orders])');
    expect(text).toContain('    Sink: by-symbol-repartition-sink (topic: by-symbol-repartition)\n      <-- by-symbol-repartition-filter');
    expect(text).toContain('  Sub-topology: 1\n    Source: by-symbol-repartition-source (topics: [by-symbol-repartition])\n      --> count');
    expect(text).toContain('    Processor: count (stores: [counts])');
    expect(text).toContain(
      '  Sub-topology: 2 for global store (will not generate tasks)\n    Source: KSTREAM-SOURCE-0000000000 (topics: [kill])\n      --> KTABLE-SOURCE-0000000001\n    Processor: KTABLE-SOURCE-0000000001 (stores: [kill-store])',
    );
  });

  it('names are stable across identical builds and user names win', () => {
    const make = () => {
      const b = new StreamsBuilder();
      b.stream('a').filter(() => true, Named.as('keep-all')).mapValues((v) => v).to('b');
      return b.build().describe().toString();
    };
    expect(make()).toBe(make());
    expect(make()).toContain('Processor: keep-all (stores: [])\n      --> KSTREAM-MAPVALUES-0000000001');
  });
});
