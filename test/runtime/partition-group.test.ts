import { describe, expect, it } from 'vitest';
import type { ConsumedRecord } from '../../common/record.ts';
import { PartitionGroup } from '../../runtime/partition-group.ts';

const record = (topic: string, partition: number, timestamp: number): ConsumedRecord => ({
  topic,
  partition,
  offset: 0n,
  key: null,
  value: null,
  timestamp,
  headers: {},
});

describe('PartitionGroup', () => {
  it('routes records to their partition and hands out the smallest timestamp first (ties: topic, then partition)', () => {
    const group = new PartitionGroup();
    group.addPartition('b', 1);
    group.addPartition('a', 7);
    group.addPartition('b', 0);
    group.addPartition('b', 1);
    expect(group.partitions()).toEqual([
      { topic: 'a', partition: 7 },
      { topic: 'b', partition: 0 },
      { topic: 'b', partition: 1 },
    ]);
    group.add([record('b', 1, 5), record('b', 0, 5), record('a', 7, 9), record('b', 1, 1)]);
    expect([group.bufferedFor('b', 1), group.bufferedFor('b', 0), group.bufferedFor('a', 7), group.bufferedFor('c', 0)]).toEqual([2, 1, 1, 0]);
    expect(group.buffered).toBe(4);
    const order: string[] = [];
    for (let r = group.next(); r !== undefined; r = group.next()) order.push(`${r.topic}${r.partition}@${r.timestamp}`);
    // Each partition stays in offset order: b1's second record waits behind its first.
    expect(order).toEqual(['b0@5', 'b1@5', 'b1@1', 'a7@9']);
    expect(group.bufferedFor('b', 1)).toBe(0);
  });
});
