import { describe, expect, it } from 'vitest';
import { TaskMigratedError } from '../../../common/errors.ts';
import { IsolationLevel, type GroupGeneration } from '../../../runtime/kafka/ports.ts';
import { createTopics, eventually, kafkaFactory, readTopic, uniqueName } from '../../helpers/kafka.ts';

describe('PlatformaticKafkaFactory producers', () => {
  it('keep every timestamp of one send, however far apart (the client mis-encodes deltas of 2^31 ms or more)', async () => {
    const topic = uniqueName('timestamps');
    await createTopics({ name: topic, partitions: 1 });
    const now = Date.now();
    const day = 24 * 3600_000;
    // Within the broker's accepted range (at most an hour ahead), spread over 60 days and back and forth.
    const timestamps = [now - 60 * day, now, now - 30 * day, now - 25 * day, now - 60 * day + 1, now - 1];
    const producer = kafkaFactory().producer();
    try {
      await producer.send(timestamps.map((timestamp, i) => ({ topic, partition: 0, key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`), timestamp, headers: {} })));
    } finally {
      await producer.close();
    }
    const records = await readTopic(topic, 1);
    expect(records.map((r) => [r.value!.toString(), r.timestamp])).toEqual(timestamps.map((t, i) => [`v${i}`, t]));
  });

  it('commit a transaction with the offsets of several partitions, and refuse a stale generation', async () => {
    const input = uniqueName('tx-in');
    const output = uniqueName('tx-out');
    await createTopics({ name: input, partitions: 3 }, { name: output, partitions: 1 });
    const factory = kafkaFactory();
    const groupId = uniqueName('tx-group');
    const member = factory.member(groupId, { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000, rebalanceTimeoutMs: 10_000 });
    const producer = factory.transactionalProducer(uniqueName('tx'), 10_000);
    try {
      const joined = Promise.withResolvers<GroupGeneration>();
      await member.join([input], (members, counts) => new Map(members.map((m) => [m.memberId, new Map([[input, Array.from({ length: counts.get(input)! }, (_, p) => p)]])])), {
        beforeJoin: async () => Buffer.alloc(0),
        assigned: (_partitions, generation) => joined.resolve(generation),
        failed: (error) => joined.reject(error),
      });
      const generation = await joined.promise;
      const offsets = [0, 1, 2].map((partition) => ({ topic: input, partition, offset: BigInt(10 + partition) }));
      await producer.begin();
      await producer.send([{ topic: output, partition: 0, key: null, value: Buffer.from('out'), timestamp: Date.now(), headers: {} }]);
      await producer.commit(offsets, generation);
      // The group applies the offsets once the coordinator has written the transaction's markers.
      const committed = await eventually(async () => {
        const c = await member.committed(offsets);
        return c.size === offsets.length ? c : undefined;
      }, 10_000, 'the transaction\'s offsets');
      expect([...committed].sort()).toEqual([[`${input}:0`, 10n], [`${input}:1`, 11n], [`${input}:2`, 12n]]);
      expect((await readTopic(output, 1)).map((r) => r.value!.toString())).toEqual(['out']);

      await producer.begin();
      await expect(producer.commit(offsets, { ...generation, generationId: generation.generationId + 5 })).rejects.toBeInstanceOf(TaskMigratedError);
      await producer.abort();
    } finally {
      await Promise.all([producer.close(), member.close()]);
    }
  });
});

describe('PlatformaticKafkaFactory fetchers', () => {
  it('keep a long poll off the connection of their other requests (a broker serves one request per connection at a time)', async () => {
    const topic = uniqueName('long-poll');
    await createTopics({ name: topic, partitions: 1 });
    const fetcher = kafkaFactory().fetcher('long-poll', IsolationLevel.READ_COMMITTED);
    try {
      const tp = { topic, partition: 0 };
      await fetcher.endOffsets([tp]);
      await fetcher.fetch([{ ...tp, offset: 0n }], { maxWaitMs: 0 });
      const polling = fetcher.fetch([{ ...tp, offset: 0n }], { maxWaitMs: 3000 });
      // Let the fetch reach the broker, then ask for something else.
      await new Promise((r) => setTimeout(r, 200));
      const started = performance.now();
      await fetcher.endOffsets([tp]);
      expect(performance.now() - started).toBeLessThan(1500);
      expect((await polling).flatMap((r) => r.records)).toEqual([]);
    } finally {
      await fetcher.close();
    }
  });
});
