import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../common/time.ts';
import { EmbeddedStreamsApp } from '../../../runtime/embedded/embedded-streams-app.ts';
import { InMemoryCluster } from '../../../runtime/embedded/in-memory-cluster.ts';
import { RecordPartitioner } from '../../../runtime/record-partitioner.ts';
import { StreamsBuilder } from '../../../topology/streams-builder.ts';
import { Consumed, Grouped, Materialized, Produced } from '../../../topology/options.ts';
import { J, L, S } from '../../helpers/driver.ts';

const partitioner = new RecordPartitioner();
function produce(cluster: InMemoryCluster, topic: string, key: string, value: unknown, timestamp: number) {
  const k = S.serialize(key)!;
  cluster.append({ topic, partition: partitioner.partition(topic, k, cluster.partitionsFor(topic)), key: k, value: J.serialize(value), timestamp, headers: {} });
}
function readAll(cluster: InMemoryCluster, topic: string) {
  const out: Array<{ key: string; value: unknown; partition: number; timestamp: number }> = [];
  for (let p = 0; p < cluster.partitionsFor(topic); p++) {
    for (const r of cluster.read(topic, p, 0n, 1e9)) {
      out.push({ key: S.deserialize(r.key)!, value: r.value, partition: p, timestamp: r.timestamp });
    }
  }
  return out;
}

function countBySymbol() {
  const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
  b.stream<string, { symbol: string }>('orders', Consumed.with(S, J))
    .groupBy((_k, v) => v.symbol, Grouped.with(S, J))
    .count(Materialized.as('by-symbol'))
    .toStream()
    .to('counts', Produced.with(S, L));
  return b.build();
}

describe('EmbeddedStreamsApp', () => {
  it('runs one task per partition, repartitions by the new key and commits', () => {
    const cluster = new InMemoryCluster();
    cluster.createTopic('orders', { partitions: 4 });
    cluster.createTopic('counts', { partitions: 4 });
    const symbols = ['AAPL', 'NVDA', 'MSFT'];
    for (let i = 0; i < 300; i++) produce(cluster, 'orders', `acct${i % 17}`, { symbol: symbols[i % 3] }, 1000 + i);
    const app = new EmbeddedStreamsApp(countBySymbol(), { applicationId: 'sym' }, cluster, new ManualClock(0));
    const states: string[] = [];
    app.onStateChange((s) => states.push(s));
    app.start();
    expect(app.taskStores().map((t) => t.taskId)).toEqual(['0_0', '0_1', '0_2', '0_3', '1_0', '1_1', '1_2', '1_3']);
    expect(cluster.partitionsFor('sym-by-symbol-repartition')).toBe(4);
    app.runUntilIdle();
    const store = app.store<string, number>('by-symbol');
    expect(symbols.map((s) => store.get(s))).toEqual([100, 100, 100]);
    // Caching: the final count per key was emitted, and every key sits on the partition murmur2 chose.
    const counts = readAll(cluster, 'counts');
    for (const s of symbols) {
      const last = counts.filter((c) => c.key === s).at(-1)!;
      expect(L.deserialize(last.value as Buffer)).toBe(100);
      expect(last.partition).toBe(partitioner.partition('counts', S.serialize(s)!, 4));
    }
    expect(cluster.committed('sym', 'orders', 0)).toBe(cluster.endOffset('orders', 0));
    app.close();
    expect(states).toEqual(['REBALANCING', 'RUNNING', 'PENDING_SHUTDOWN', 'NOT_RUNNING']);
  });

  it('restores stores from the changelog and resumes from committed offsets after a restart', () => {
    const cluster = new InMemoryCluster();
    cluster.createTopic('orders', { partitions: 2 });
    for (let i = 0; i < 50; i++) produce(cluster, 'orders', `a${i}`, { symbol: 'X' }, i);
    const first = new EmbeddedStreamsApp(countBySymbol(), { applicationId: 'sym' }, cluster, new ManualClock(0));
    first.start();
    first.runUntilIdle();
    first.close();
    for (let i = 0; i < 10; i++) produce(cluster, 'orders', `b${i}`, { symbol: 'X' }, 100 + i);
    const second = new EmbeddedStreamsApp(countBySymbol(), { applicationId: 'sym' }, cluster, new ManualClock(0));
    second.start();
    expect(second.store<string, number>('by-symbol').get('X')).toBe(50); // restored, nothing reprocessed yet
    second.runUntilIdle();
    expect(second.store<string, number>('by-symbol').get('X')).toBe(60);
    second.close();
  });

  it('processes a task’s partitions in timestamp order', () => {
    const cluster = new InMemoryCluster();
    const b = new StreamsBuilder();
    const seen: number[] = [];
    b.stream<string, number>(['left', 'right'], Consumed.with(S, J)).foreach((_k, v) => seen.push(v));
    for (const [topic, ts] of [
      ['left', 1],
      ['left', 5],
      ['left', 9],
      ['right', 2],
      ['right', 3],
      ['right', 10],
    ] as const) {
      produce(cluster, topic, 'k', ts, ts);
    }
    const app = new EmbeddedStreamsApp(b.build(), { applicationId: 'merge' }, cluster, new ManualClock(0));
    app.start();
    app.runUntilIdle();
    expect(seen).toEqual([1, 2, 3, 5, 9, 10]);
    app.close();
  });

  it('commits on the commit interval of the injected clock', () => {
    const cluster = new InMemoryCluster();
    const clock = new ManualClock(0);
    const app = new EmbeddedStreamsApp(countBySymbol(), { applicationId: 'c', commitIntervalMs: 1000 }, cluster, clock);
    app.start();
    produce(cluster, 'orders', 'a', { symbol: 'X' }, 1);
    app.runOnce();
    expect(cluster.committed('c', 'orders', 0)).toBeUndefined();
    clock.advance(1000);
    app.runOnce();
    expect(cluster.committed('c', 'orders', 0)).toBe(1n);
    app.close();
  });

  it('refuses to aggregate across topics that are not co-partitioned', () => {
    const cluster = new InMemoryCluster();
    cluster.createTopic('a', { partitions: 2 });
    cluster.createTopic('b', { partitions: 3 });
    const b = new StreamsBuilder({ defaultStoreType: 'in-memory' });
    b.stream<string, string>(['a', 'b'], Consumed.with(S, S)).groupByKey().count();
    const app = new EmbeddedStreamsApp(b.build(), { applicationId: 'x' }, cluster);
    expect(() => app.start()).toThrow(/not co-partitioned: a \(2\), b \(3\)/);
    expect(app.state).toBe('ERROR');
  });
});
