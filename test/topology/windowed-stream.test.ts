import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { Stores } from '../../state/stores.ts';
import { WindowedSerdes } from '../../state/api/windowed.ts';
import { Consumed, Grouped, Materialized, Produced } from '../../topology/options.ts';
import { SessionWindowedKStream } from '../../topology/session-windowed-stream.ts';
import { StreamsBuilder } from '../../topology/streams-builder.ts';
import { BufferConfig, Suppressed } from '../../topology/suppressed.ts';
import { TimeWindowedKStream } from '../../topology/time-windowed-stream.ts';
import { EmitStrategy, SessionWindows, SlidingWindows, TimeWindows } from '../../topology/windows.ts';
import { driverFor, J, L, S } from '../helpers/driver.ts';

describe('KGroupedStream#windowedBy', () => {
  it('gives time-windowed streams for time and sliding windows, session-windowed ones for sessions', () => {
    const grouped = new StreamsBuilder().stream<string, string>('in', Consumed.with(S, S)).groupByKey();
    expect(grouped.windowedBy(TimeWindows.ofSizeWithNoGrace(10))).toBeInstanceOf(TimeWindowedKStream);
    expect(grouped.windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace(10))).toBeInstanceOf(TimeWindowedKStream);
    expect(grouped.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(10))).toBeInstanceOf(SessionWindowedKStream);
  });

  it('names nodes and stores as Kafka does and describes them', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.stream<string, string>('in', Consumed.with(S, S))
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
      .count()
      .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
      .toStream()
      .to('out');
    const text = b.build().describe().toString();
    expect(text).toContain('Processor: KSTREAM-AGGREGATE-0000000002 (stores: [KSTREAM-AGGREGATE-STATE-STORE-0000000001])');
    expect(text).toContain('Processor: KTABLE-SUPPRESS-0000000003 (stores: [KTABLE-SUPPRESS-STATE-STORE-0000000004])');
  });

  it('repartitions by the new key first when the key changed upstream', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.stream<string, { account: string }>('orders', Consumed.with(S, J))
      .groupBy((_k, v) => v.account, Grouped.with(S, J))
      .windowedBy(TimeWindows.ofSizeWithNoGrace(60_000))
      .count({ storeName: 'per-account', cachingEnabled: false })
      .toStream()
      .to('out');
    const topology = b.build();
    expect(topology.internalTopics().map((t) => t.name)).toEqual(['per-account-repartition']);
    const d = driverFor(topology, { applicationId: 'risk' });
    const input = d.createInputTopic('orders', S, J);
    input.pipeInput('o1', { account: 'A00042' }, 1000);
    input.pipeInput('o2', { account: 'A00042' }, 2000);
    const out = d.createOutputTopic('out', WindowedSerdes.timeWindowedSerdeFrom(S, 60_000), L).readKeyValuesToList();
    expect(out.map((kv) => `${kv.key!.key}@${kv.key!.window.start}=${kv.value}`)).toEqual(['A00042@0=1', 'A00042@0=2']);
    expect(d.producedTopicNames()).toContain('risk-per-account-repartition');
  });

  it('carries a windowed key serde to the sink when the key serde is known', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.stream<string, string>('in', Consumed.with(S, S))
      .groupByKey()
      .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(5))
      .count({ cachingEnabled: false })
      .toStream()
      .to('out', Produced.with(undefined as any, L));
    const d = driverFor(b.build());
    d.createInputTopic('in', S, S).pipeInput('k', 'v', 7);
    const record = d.producedRecords('out')[0];
    expect(record.key!.toString('hex')).toBe(`${Buffer.from('k').toString('hex')}${'0000000000000007'.repeat(2)}`);
  });
});

describe('window store materialization', () => {
  it('keeps windows as long as Materialized asks (retentionMs), readable through the driver', () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.stream<string, string>('in', Consumed.with(S, S))
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
      .count({ ...Materialized.as<string, number>('counts'), retentionMs: 1000 });
    const d = driverFor(b.build());
    const input = d.createInputTopic('in', S, S);
    for (const t of [1, 11, 21, 500]) input.pipeInput('a', 'x', t);
    const store = d.getWindowStore<string, number>('counts')!;
    expect(store.fetch('a', 0, 1000).map((kv) => [kv.key, kv.value])).toEqual([
      [0, 1],
      [10, 1],
      [20, 1],
      [500, 1],
    ]);
    expect(d.getTimestampedWindowStore<string, number>('counts')!.fetch('a', 10)).toEqual({ value: 1, timestamp: 11 });
  });

  it('refuses a retention below size + grace, and a supplier of the wrong kind or window size', () => {
    const grouped = () => new StreamsBuilder().stream<string, string>('in', Consumed.with(S, S)).groupByKey();
    expect(() => grouped().windowedBy(TimeWindows.ofSizeAndGrace(10, 5)).count({ retentionMs: 14 })).toThrow(ConfigError);
    expect(() => grouped().windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(10, 5)).count({ retentionMs: 24 })).toThrow(/25 ms/);
    expect(() => grouped().windowedBy(SessionWindows.ofInactivityGapAndGrace(10, 5)).count({ retentionMs: 14 })).toThrow(/15 ms/);
    expect(() => grouped().windowedBy(TimeWindows.ofSizeWithNoGrace(10)).count(Materialized.as(Stores.inMemoryKeyValueStore('kv')))).toThrow(
      /needs a window store supplier/,
    );
    expect(() =>
      grouped().windowedBy(TimeWindows.ofSizeWithNoGrace(10)).count(Materialized.as(Stores.inMemoryWindowStore('w', 100, 20))),
    ).toThrow(/window size \(20 ms\) differs/);
  });

  it('takes a store supplier from Materialized; session stores come back through getSessionStore', () => {
    const b = new StreamsBuilder();
    const grouped = b.stream<string, string>('in', Consumed.with(S, S)).groupByKey();
    grouped.windowedBy(TimeWindows.ofSizeWithNoGrace(10)).count(Materialized.as(Stores.inMemoryWindowStore('mine', 100, 10)));
    grouped.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(10)).count(Materialized.as(Stores.inMemorySessionStore('sessions', 100)));
    const d = driverFor(b.build());
    d.createInputTopic('in', S, S).pipeInput('a', 'x', 5);
    expect(d.getWindowStore<string, number>('mine')!.fetch('a', 0)).toBe(1);
    expect(d.getSessionStore<string, number>('sessions')!.fetchSession('a', 5, 5)).toBe(1);
  });

  it('windowed changelogs are compacted and deleted by time, kept a day past retention', () => {
    const builder = Stores.windowStoreBuilder(Stores.inMemoryWindowStore('w', 60_000, 10_000), S, S).withLoggingEnabled({ 'min.insync.replicas': '2' });
    expect(builder.logConfig).toEqual({ 'cleanup.policy': 'compact,delete', 'retention.ms': String(60_000 + 86_400_000), 'min.insync.replicas': '2' });
  });
});

describe('emit strategy and window definitions', () => {
  it('rejects a wall-clock close on the update strategy and bad window arguments', () => {
    expect(() => EmitStrategy.onWindowUpdate().withWallClockCloseAfter(10)).toThrow(/only an onWindowClose/);
    expect(() => SessionWindows.ofInactivityGapWithNoGrace(0)).toThrow(/inactivity gap must be an integer ≥ 1/);
    expect(() => SlidingWindows.ofTimeDifferenceAndGrace(-1, 0)).toThrow(/time difference/);
    expect(() => Suppressed.untilTimeLimit(10, BufferConfig.unbounded()).withWallClockCloseAfter(5)).toThrow(/only untilWindowCloses/);
  });
});
