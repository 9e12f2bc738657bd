import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { consoleLogger } from '../../common/logger.ts';
import { StreamsMetrics } from '../../common/metrics.ts';
import type { ConsumedRecord } from '../../common/record.ts';
import { Serdes } from '../../common/serdes.ts';
import { ManualClock } from '../../common/time.ts';
import { streamsConfig } from '../../runtime/config.ts';
import { StreamTask } from '../../runtime/stream-task.ts';
import { Consumed } from '../../topology/options.ts';
import { StreamsBuilder } from '../../topology/streams-builder.ts';

const TOPICS = ['orders', 'fills'];

/** One task over both topics (as a global store's task reads every partition of its topic). */
function task(): StreamTask {
  const b = new StreamsBuilder();
  b.stream<string, number>(TOPICS, Consumed.with(Serdes.String(), Serdes.Json<number>())).foreach(() => {});
  const topology = b.build();
  return new StreamTask({
    topology,
    subtopology: topology.subtopologies()[0],
    partition: 0,
    config: streamsConfig({ applicationId: 'app', deserializationExceptionHandler: 'logAndContinue', logger: consoleLogger('silent') }),
    collector: { send() {}, partitionsFor: () => 1 },
    clock: new ManualClock(0),
    metrics: new StreamsMetrics(),
    globalStores: new Map(),
    resolveTopic: (t) => t,
  });
}

const record = (topic: string, partition: number, offset: bigint, value = '1'): ConsumedRecord => ({
  topic,
  partition,
  offset,
  key: Buffer.from('k'),
  value: Buffer.from(value),
  timestamp: 1,
  headers: {},
});

describe('StreamTask', () => {
  it('commits the next offset of every partition it consumed, in first-consumed order, failed records included', () => {
    const t = task();
    t.initialize();
    expect(t.prepareCommit()).toEqual([]);
    t.process(record('orders', 0, 5n));
    t.process(record('fills', 3, 7n));
    t.process(record('orders', 0, 6n, 'not json'));
    t.process(record('orders', 2, 0n));
    expect(t.prepareCommit()).toEqual([
      { topic: 'orders', partition: 0, offset: 7n },
      { topic: 'fills', partition: 3, offset: 8n },
      { topic: 'orders', partition: 2, offset: 1n },
    ]);
    // The returned offsets are copies: a later record changes the next commit, not the last one.
    const first = t.prepareCommit();
    t.process(record('fills', 3, 9n));
    expect(first[1].offset).toBe(8n);
    expect(t.prepareCommit()[1]).toEqual({ topic: 'fills', partition: 3, offset: 10n });
    t.close();
  });

  it('commits what a map of the last offset per "topic:partition" would, for any record sequence', () => {
    const consumed = fc.array(
      fc.record({ topic: fc.constantFrom(...TOPICS), partition: fc.integer({ min: 0, max: 6 }), offset: fc.bigInt({ min: 0n, max: 1n << 40n }) }),
      { maxLength: 60 },
    );
    fc.assert(
      fc.property(consumed, fc.integer({ min: 1, max: 20 }), (records, commitEvery) => {
        const t = task();
        t.initialize();
        const model = new Map<string, { topic: string; partition: number; offset: bigint }>();
        records.forEach((r, i) => {
          t.process(record(r.topic, r.partition, r.offset));
          model.set(`${r.topic}:${r.partition}`, { ...r });
          if (i % commitEvery === 0) {
            expect(t.prepareCommit()).toEqual([...model.values()].map((o) => ({ ...o, offset: o.offset + 1n })));
          }
        });
        expect(t.prepareCommit()).toEqual([...model.values()].map((o) => ({ ...o, offset: o.offset + 1n })));
        t.close();
      }),
    );
  });
});
