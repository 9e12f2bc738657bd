import { describe, expect, it } from 'vitest';
import { createTopics, kafkaFactory, readTopic, uniqueName } from '../../helpers/kafka.ts';

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
});
