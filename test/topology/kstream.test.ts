import { describe, expect, it } from 'vitest';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import { Branched, Consumed, Named, Produced } from '../../topology/options.ts';
import { driverFor, J, S } from '../helpers/driver.ts';

function simple(build: (b: StreamsBuilder) => void) {
  const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
  build(b);
  return driverFor(b.build());
}

describe('KStream stateless operators', () => {
  it('filter and filterNot keep complementary records', () => {
    const d = simple((b) => {
      const s = b.stream<string, number>('in', Consumed.with(S, J));
      s.filter((_k, v) => v > 2).to('big', Produced.with(S, J));
      s.filterNot((_k, v) => v > 2).to('small', Produced.with(S, J));
    });
    const input = d.createInputTopic('in', S, J);
    for (const v of [1, 2, 3, 4]) input.pipeInput(`k${v}`, v, v);
    expect(d.createOutputTopic('big', S, J).readValuesToList()).toEqual([3, 4]);
    expect(d.createOutputTopic('small', S, J).readValuesToList()).toEqual([1, 2]);
  });

  it('map, mapValues, selectKey transform and keep the timestamp', () => {
    const d = simple((b) => {
      b.stream<string, number>('in', Consumed.with(S, J))
        .mapValues((v, k) => `${k}:${v * 10}`)
        .map((k, v) => ({ key: v, value: k }))
        .selectKey((_k, v) => v.toUpperCase())
        .to('out', Produced.with(S, S));
    });
    d.createInputTopic('in', S, J).pipeInput('a', 1, 42);
    const out = d.createOutputTopic('out', S, S).readRecord();
    expect(out).toMatchObject({ key: 'A', value: 'a', timestamp: 42 });
  });

  it('flatMap and flatMapValues fan out', () => {
    const d = simple((b) => {
      const s = b.stream<string, string>('in', Consumed.with(S, S));
      s.flatMapValues((v) => v.split(' ')).to('words', Produced.with(S, S));
      s.flatMap((k, v) => [...v].map((c) => ({ key: c, value: k }))).to('chars', Produced.with(S, S));
    });
    d.createInputTopic('in', S, S).pipeInput('k', 'a b', 1);
    expect(d.createOutputTopic('words', S, S).readKeyValuesToList()).toEqual([
      { key: 'k', value: 'a' },
      { key: 'k', value: 'b' },
    ]);
    expect(d.createOutputTopic('chars', S, S).readKeyValuesToList().map((kv) => kv.key)).toEqual(['a', ' ', 'b']);
  });

  it('peek forwards, foreach is terminal', () => {
    const peeked: string[] = [];
    const seen: string[] = [];
    const d = simple((b) => {
      const s = b.stream<string, string>('in', Consumed.with(S, S));
      s.peek((k) => peeked.push(k)).to('out', Produced.with(S, S));
      s.foreach((k, v) => seen.push(`${k}=${v}`));
    });
    d.createInputTopic('in', S, S).pipeInput('x', 'y', 1);
    expect(peeked).toEqual(['x']);
    expect(seen).toEqual(['x=y']);
    expect(d.createOutputTopic('out', S, S).readValue()).toBe('y');
  });

  it('split routes to the first matching branch, the rest to the default', () => {
    let branches: Record<string, unknown> = {};
    const d = simple((b) => {
      branches = b
        .stream<string, number>('in', Consumed.with(S, J))
        .split(Named.as('route-'))
        .branch((_k, v) => v < 0, Branched.withConsumer((s) => s.to('negative', Produced.with(S, J)), 'neg'))
        .branch((_k, v) => v < 10, Branched.withConsumer((s) => s.to('small', Produced.with(S, J)), 'small'))
        .defaultBranch(Branched.withConsumer((s) => s.to('large', Produced.with(S, J)), 'large'));
    });
    const input = d.createInputTopic('in', S, J);
    for (const v of [-1, 5, 50, -7]) input.pipeInput('k', v, 1);
    expect(d.createOutputTopic('negative', S, J).readValuesToList()).toEqual([-1, -7]);
    expect(d.createOutputTopic('small', S, J).readValuesToList()).toEqual([5]);
    expect(d.createOutputTopic('large', S, J).readValuesToList()).toEqual([50]);
    expect(Object.keys(branches)).toEqual([]);
  });

  it('split without consumers returns the branches by name', () => {
    const b = new StreamsBuilder();
    const branches = b
      .stream<string, number>('in', Consumed.with(S, J))
      .split()
      .branch((_k, v) => v % 2 === 0)
      .defaultBranch();
    expect(Object.keys(branches)).toEqual(['KSTREAM-BRANCH-00000000011', 'KSTREAM-BRANCH-00000000010']);
  });

  it('merge interleaves two streams in arrival order', () => {
    const d = simple((b) => {
      const a = b.stream<string, string>('a', Consumed.with(S, S));
      const c = b.stream<string, string>('c', Consumed.with(S, S));
      a.merge(c).to('out', Produced.with(S, S));
    });
    d.createInputTopic('a', S, S).pipeInput('k', 'from-a', 1);
    d.createInputTopic('c', S, S).pipeInput('k', 'from-c', 2);
    expect(d.createOutputTopic('out', S, S).readValuesToList()).toEqual(['from-a', 'from-c']);
  });

  it('to() with a topic extractor picks the topic per record', () => {
    const d = simple((b) => {
      b.stream<string, { kind: string }>('in', Consumed.with(S, J)).to((_k, v) => `out-${v.kind}`, Produced.with(S, J));
    });
    const input = d.createInputTopic('in', S, J);
    input.pipeInput('1', { kind: 'x' }, 1);
    input.pipeInput('2', { kind: 'y' }, 2);
    expect([...d.producedTopicNames()].sort()).toEqual(['out-x', 'out-y']);
  });

  it('tombstones (null values) pass through stateless operators', () => {
    const d = simple((b) => {
      b.stream<string, string | null>('in', Consumed.with(S, S))
        .filter(() => true)
        .to('out', Produced.with(S, S));
    });
    d.createInputTopic('in', S, S).pipeInput('k', null, 1);
    const out = d.createOutputTopic('out', S, S).readRecord();
    expect(out.value).toBeNull();
    expect(d.producedRecords('out')[0].value).toBeNull();
  });

  it('repartition writes through an internal topic and reads it back', () => {
    const d = simple((b) => {
      b.stream<string, string>('in', Consumed.with(S, S))
        .selectKey((_k, v) => v)
        .repartition({ name: 'by-value', keySerde: S, valueSerde: S })
        .to('out', Produced.with(S, S));
    });
    d.createInputTopic('in', S, S).pipeInput('k', 'v', 5);
    expect(d.producedTopicNames()).toContain('test-driver-by-value-repartition');
    expect(d.createOutputTopic('out', S, S).readRecord()).toMatchObject({ key: 'v', value: 'v', timestamp: 5 });
  });
});
