import { describe, expect, it } from 'vitest';
import { decodeBatches, type RawBatch } from '../../../runtime/kafka/record-batches.ts';

const TX = 0x10;
const CONTROL = 0x20;

function data(firstOffset: number, count: number, producerId: bigint, transactional = true): RawBatch {
  return {
    firstOffset: BigInt(firstOffset),
    lastOffsetDelta: count - 1,
    attributes: transactional ? TX : 0,
    firstTimestamp: 100n,
    maxTimestamp: 100n,
    producerId,
    records: Array.from({ length: count }, (_, i) => ({ offsetDelta: i, timestampDelta: BigInt(i), key: Buffer.from(`k${firstOffset + i}`), value: Buffer.from('v'), headers: [] })),
  };
}

function marker(offset: number, producerId: bigint, commit: boolean): RawBatch {
  const key = Buffer.alloc(4);
  key.writeInt16BE(commit ? 1 : 0, 2);
  return { firstOffset: BigInt(offset), lastOffsetDelta: 0, attributes: TX | CONTROL, firstTimestamp: 0n, maxTimestamp: 0n, producerId, records: [{ offsetDelta: 0, timestampDelta: 0n, key, value: null, headers: [] }] };
}

const offsets = (r: ReturnType<typeof decodeBatches>) => r.records.map((x) => Number(x.offset));

describe('decodeBatches', () => {
  it('drops every aborted transaction of a producer, even two in one response, and keeps its committed ones', () => {
    const batches = [data(0, 2, 7n), marker(2, 7n, false), data(3, 2, 7n), marker(5, 7n, true), data(6, 1, 7n), marker(7, 7n, false), data(8, 1, 9n, false)];
    const aborted = [
      { producerId: 7n, firstOffset: 0n },
      { producerId: 7n, firstOffset: 6n },
    ];
    const decoded = decodeBatches('t', 0, 0n, batches, aborted);
    expect(offsets(decoded)).toEqual([3, 4, 8]);
    expect(decoded.nextOffset).toBe(9n);
  });

  it('drops an aborted transaction whose marker comes in a later response', () => {
    const decoded = decodeBatches('t', 0, 0n, [data(0, 3, 7n), data(3, 1, 8n)], [{ producerId: 7n, firstOffset: 0n }]);
    expect(offsets(decoded)).toEqual([3]);
  });

  it('skips records before the fetch offset and control batches, and moves past trailing markers', () => {
    const decoded = decodeBatches('t', 0, 1n, [data(0, 3, 7n), marker(3, 7n, true)], []);
    expect(offsets(decoded)).toEqual([1, 2]);
    expect(decoded.nextOffset).toBe(4n);
    expect(decoded.records[0].timestamp).toBe(101);
  });

  it('keeps everything under read_uncommitted', () => {
    const decoded = decodeBatches('t', 0, 0n, [data(0, 2, 7n), marker(2, 7n, false)], null);
    expect(offsets(decoded)).toEqual([0, 1]);
  });
});
