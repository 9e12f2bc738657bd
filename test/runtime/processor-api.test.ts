import { describe, expect, it } from 'vitest';
import type { Processor, ProcessorContext } from '../../operators/api/processor.ts';
import { PunctuationType } from '../../operators/api/processor.ts';
import type { KeyValueStore } from '../../state/api/key-value-store.ts';
import { Stores } from '../../state/stores.ts';
import { Topology } from '../../topology/topology.ts';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import { Consumed, Produced } from '../../topology/options.ts';
import { driverFor, J, L, S } from '../helpers/driver.ts';

/** Sums values per key in a store and emits all sums on each punctuation. */
class SumAndEmit implements Processor<string, number, string, number> {
  #ctx!: ProcessorContext<string, number>;
  #store!: KeyValueStore<string, number>;
  readonly type: PunctuationType;
  readonly fired: number[] = [];
  constructor(type: PunctuationType) {
    this.type = type;
  }
  init(ctx: ProcessorContext<string, number>) {
    this.#ctx = ctx;
    this.#store = ctx.getStateStore('sums');
    ctx.schedule(1000, this.type, (ts) => {
      this.fired.push(ts);
      for (const { key, value } of this.#store.all()) this.#ctx.forward({ key, value, timestamp: ts, headers: {} });
    });
  }
  process(record: { key: string; value: number }) {
    this.#store.put(record.key, (this.#store.get(record.key) ?? 0) + record.value);
  }
}

function build(type: PunctuationType) {
  let processor!: SumAndEmit;
  const t = new Topology()
    .addSource('src', { keySerde: S, valueSerde: J }, 'in')
    .addProcessor('sum', () => (processor = new SumAndEmit(type)), 'src')
    .addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('sums'), S, J), 'sum')
    .addSink('sink', 'out', { keySerde: S, valueSerde: J }, 'sum');
  return { t, processor: () => processor };
}

describe('Processor API', () => {
  it('stream-time punctuation fires aligned to the interval, once per crossing, driven by input', () => {
    const { t, processor } = build(PunctuationType.STREAM_TIME);
    const d = driverFor(t);
    const input = d.createInputTopic('in', S, J);
    input.pipeInput('a', 1, 500); // first punctuation at first data (stream time 500)
    input.pipeInput('a', 2, 900); // next due at 1000: nothing
    input.pipeInput('b', 3, 1000); // fires at 1000
    input.pipeInput('a', 1, 3500); // skipped intervals fire once, at 3500
    input.pipeInput('a', 1, 3600); // next due 4000
    expect(processor().fired).toEqual([500, 1000, 3500]);
    const out = d.createOutputTopic('out', S, J).readRecordsToList();
    expect(out.map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['a', 1, 500],
      ['a', 3, 1000],
      ['b', 3, 1000],
      ['a', 4, 3500],
      ['b', 3, 3500],
    ]);
  });

  it('wall-clock punctuation fires only when the driver advances the clock', () => {
    const { t, processor } = build(PunctuationType.WALL_CLOCK_TIME);
    const d = driverFor(t);
    d.createInputTopic('in', S, J).pipeInput('a', 5, 10_000_000);
    expect(processor().fired).toEqual([]);
    d.advanceWallClockTime(999);
    expect(processor().fired).toEqual([]);
    d.advanceWallClockTime(1);
    d.advanceWallClockTime(2500);
    expect(processor().fired).toEqual([1000, 3500]);
    expect(d.createOutputTopic('out', S, J).readValuesToList()).toEqual([5, 5]);
  });

  it('a processor reaching a store it was not connected to gets a clear error', () => {
    const t = new Topology()
      .addSource('src', { keySerde: S, valueSerde: J }, 'in')
      .addProcessor(
        'p',
        () => ({
          init: (ctx: ProcessorContext) => {
            ctx.getStateStore('sums');
          },
          process() {},
        }),
        'src',
      )
      .addProcessor('owner', () => ({ process() {} }), 'src')
      .addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('sums'), S, J), 'owner');
    expect(() => driverFor(t)).toThrow(/processor p has no access to store sums/);
  });

  it('records carry metadata, headers and timestamps into processors; forward can target one child', () => {
    const seen: unknown[] = [];
    const b = new StreamsBuilder();
    b.stream<string, string>('in', Consumed.with(S, S))
      .process(() => {
        let ctx: ProcessorContext<string, string>;
        return {
          init: (c: ProcessorContext<string, string>) => {
            ctx = c;
          },
          process: (r: { key: string; value: string; timestamp: number; headers: Record<string, string> }) => {
            seen.push({ meta: ctx.recordMetadata(), headers: r.headers, ts: r.timestamp, stream: ctx.currentStreamTimeMs() });
            ctx.forward({ ...r, timestamp: r.timestamp + 1 });
          },
        };
      })
      .to('out', Produced.with(S, S));
    const d = driverFor(b.build());
    d.createInputTopic('in', S, S).pipeInput('k', 'v', 7, { trace: 'x' });
    expect(seen).toEqual([{ meta: { topic: 'in', partition: 0, offset: 0n }, headers: { trace: 'x' }, ts: 7, stream: 7 }]);
    expect(d.createOutputTopic('out', S, S).readRecord()).toMatchObject({ timestamp: 8, headers: { trace: 'x' } });
    expect(L.serialize(1)).not.toBeNull();
  });
});
