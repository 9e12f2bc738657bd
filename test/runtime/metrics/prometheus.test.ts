import { describe, expect, it } from 'vitest';
import { StreamsMetrics } from '../../../common/metrics.ts';
import { EmbeddedStreamsApp, StreamsState } from '../../../runtime/embedded/embedded-streams-app.ts';
import type { KafkaStreamsApp } from '../../../runtime/kafka/kafka-streams-app.ts';
import { InMemoryCluster } from '../../../runtime/embedded/in-memory-cluster.ts';
import { type ObservableStreamsApp, streamsRegistry } from '../../../runtime/metrics/prometheus.ts';
import { RecordPartitioner } from '../../../runtime/record-partitioner.ts';
import { ManualClock } from '../../../common/time.ts';
import { Consumed, Grouped, Materialized, Produced } from '../../../topology/options.ts';
import { StreamsBuilder } from '../../../topology/streams-builder.ts';
import { J, L, S } from '../../helpers/driver.ts';

// Both runtimes can be exported as they are (a compile-time check).
const _runtimes: ReadonlyArray<(app: EmbeddedStreamsApp | KafkaStreamsApp) => ObservableStreamsApp> = [(app) => app];

function fakeApp(metrics = new StreamsMetrics()): ObservableStreamsApp & { state: string } {
  return { config: { applicationId: 'fake' }, metrics, state: StreamsState.RUNNING, taskStores: () => [] };
}

/** Sample lines (no comments) of the exposition text, for one metric name prefix. */
async function lines(app: ObservableStreamsApp, prefix: string): Promise<string[]> {
  const text = await streamsRegistry(app, { defaultMetrics: false }).metrics();
  return text.split('\n').filter((l) => l.startsWith(prefix));
}

describe('streamsRegistry', () => {
  it('exports a histogram sensor with cumulative buckets in seconds', async () => {
    const app = fakeApp();
    const commit = app.metrics.histogram('commit', { thread_id: 't1' }, [1, 10]);
    for (const ms of [0.5, 5, 50]) commit.record(ms);
    expect(await lines(app, 'streams_thread_commit_latency_seconds')).toEqual([
      'streams_thread_commit_latency_seconds_bucket{thread_id="t1",le="0.001",app="fake"} 1',
      'streams_thread_commit_latency_seconds_bucket{thread_id="t1",le="0.01",app="fake"} 2',
      'streams_thread_commit_latency_seconds_bucket{thread_id="t1",le="+Inf",app="fake"} 3',
      'streams_thread_commit_latency_seconds_sum{thread_id="t1",app="fake"} 0.0555',
      'streams_thread_commit_latency_seconds_count{thread_id="t1",app="fake"} 3',
    ]);
  });

  it('sums sensors whose exported labels agree, and reads gauges and totals', async () => {
    const app = fakeApp();
    app.metrics.sensor('dropped_records', { task_id: '0_0', reason: 'late', processor_node_id: 'a' }).record();
    app.metrics.sensor('dropped_records', { task_id: '0_0', reason: 'late', processor_node_id: 'b' }).record();
    app.metrics.sensor('restore_records', { task_id: '0_0', store: 's' }).record(250);
    app.metrics.gauge('records_lag', { thread_id: 't', topic: 'orders', partition: '1' }).set(42);
    expect(await lines(app, 'streams_task_dropped_records_total')).toEqual(['streams_task_dropped_records_total{task_id="0_0",reason="late",app="fake"} 2']);
    expect(await lines(app, 'streams_store_restored_records_total')).toEqual(['streams_store_restored_records_total{task_id="0_0",store="s",app="fake"} 250']);
    expect(await lines(app, 'streams_consumer_records_lag')).toEqual(['streams_consumer_records_lag{thread_id="t",topic="orders",partition="1",app="fake"} 42']);
  });

  it('exports the app state one-hot and counts sensors nothing maps', async () => {
    const app = fakeApp();
    app.metrics.sensor('something_new', { x: '1' }).record();
    app.state = StreamsState.ERROR;
    const state = await lines(app, 'streams_application_state');
    expect(state).toContain('streams_application_state{state="ERROR",app="fake"} 1');
    expect(state).toContain('streams_application_state{state="RUNNING",app="fake"} 0');
    expect(await lines(app, 'streams_unmapped_sensor_records_total')).toEqual(['streams_unmapped_sensor_records_total{sensor="something_new",app="fake"} 1']);
  });

  it('refuses two specs with one name', () => {
    const spec = { source: 'x', name: 'streams_task_processed_records_total', help: 'h', type: 'counter' as const, labels: [] };
    expect(() => streamsRegistry(fakeApp(), { specs: [spec], defaultMetrics: false })).toThrow(/two metric specs/);
  });

  it('adds Node process metrics unless told not to', async () => {
    expect(await streamsRegistry(fakeApp()).metrics()).toContain('nodejs_heap_size_used_bytes');
  });
});

describe('engine recording points on the embedded runtime', () => {
  const partitioner = new RecordPartitioner();
  const produce = (cluster: InMemoryCluster, key: string, timestamp: number) => {
    const k = S.serialize(key)!;
    cluster.append({ topic: 'orders', partition: partitioner.partition('orders', k, 2), key: k, value: J.serialize({ symbol: key }), timestamp, headers: {} });
  };
  const topology = () => {
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.stream<string, { symbol: string }>('orders', Consumed.with(S, J))
      .groupBy((_k, v) => v.symbol, Grouped.with(S, J))
      .count(Materialized.as('by-symbol'))
      .toStream()
      .to('counts', Produced.with(S, L));
    return b.build();
  };

  it('records commits, polls, lag, the start-up rebalance, restoration, cache and e2e latency', async () => {
    const cluster = new InMemoryCluster();
    cluster.createTopic('orders', { partitions: 2 });
    cluster.createTopic('counts', { partitions: 2 });
    const clock = new ManualClock(1_000);
    for (let i = 0; i < 200; i++) produce(cluster, ['AAPL', 'NVDA', 'MSFT'][i % 3], 500 + i);
    const first = new EmbeddedStreamsApp(topology(), { applicationId: 'counts', cacheMaxBytes: 1024 * 1024 }, cluster, clock);
    first.start();
    first.runUntilIdle();
    first.close();

    // A second instance restores the count store from its changelog.
    const app = new EmbeddedStreamsApp(topology(), { applicationId: 'counts', cacheMaxBytes: 1024 * 1024 }, cluster, clock);
    app.start();
    for (let i = 0; i < 100; i++) produce(cluster, 'AAPL', 900 + i);
    app.runUntilIdle();
    const text = await streamsRegistry(app, { defaultMetrics: false }).metrics();
    const value = (pattern: RegExp) => text.split('\n').filter((l) => pattern.test(l)).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);

    expect(value(/^streams_thread_commit_latency_seconds_count/)).toBeGreaterThan(0);
    expect(value(/^streams_thread_rebalance_latency_seconds_count/)).toBe(1);
    expect(value(/^streams_thread_poll_records_sum/)).toBeGreaterThanOrEqual(100);
    expect(text).toMatch(/^streams_consumer_records_lag\{thread_id="counts-StreamThread-1",topic="orders",partition="0",app="counts"\} 0$/m);
    // Three symbols were counted before: their latest counts come back from the changelog.
    expect(value(/^streams_store_restored_records_total\{.*store="by-symbol"/)).toBeGreaterThanOrEqual(3);
    expect(value(/^streams_store_restore_remaining_records/)).toBe(0);
    expect(value(/^streams_store_cache_(hits|misses)_total\{.*store="by-symbol"/)).toBeGreaterThan(0);
    expect(value(/^streams_store_puts_total\{.*store="by-symbol"/)).toBeGreaterThan(0);
    expect(value(/^streams_store_flush_latency_seconds_count\{.*store="by-symbol"/)).toBeGreaterThan(0);
    expect(value(/^streams_task_processed_records_total/)).toBeGreaterThanOrEqual(200);
    // The clock (1 000) is ahead of every record (≤ 999): sampled e2e latencies are all recorded, none negative.
    expect(value(/^streams_processor_record_e2e_latency_seconds_count/)).toBeGreaterThan(0);
    app.close();
  });
});
