// Byte layouts of the join buffers' composite keys. Timestamps are 8 bytes big-endian and sequence numbers
// 4 bytes big-endian, so unsigned byte order is time order, then arrival order.

export const TIMESTAMP_BYTES = 8;
export const SEQUENCE_BYTES = 4;
const MAX_SEQUENCE = 0xffffffff;

export function writeTimestamp(target: Buffer, offset: number, timestamp: number): void {
  const high = Math.floor(timestamp / 0x1_0000_0000);
  target.writeUInt32BE(high, offset);
  target.writeUInt32BE(timestamp - high * 0x1_0000_0000, offset + 4);
}

export function readTimestamp(source: Buffer, offset: number): number {
  return source.readUInt32BE(offset) * 0x1_0000_0000 + source.readUInt32BE(offset + 4);
}

/** [key][timestamp][sequence]: one key's records sort together, by time. */
export function keyTimeSequence(key: Buffer, timestamp: number, sequence: number): Buffer {
  const out = Buffer.allocUnsafe(key.length + TIMESTAMP_BYTES + SEQUENCE_BYTES);
  key.copy(out, 0);
  writeTimestamp(out, key.length, timestamp);
  out.writeUInt32BE(sequence, key.length + TIMESTAMP_BYTES);
  return out;
}

/** The first and last composite keys of `key` within [from, to]. */
export function keyTimeRange(key: Buffer, from: number, to: number): [Buffer, Buffer] {
  return [keyTimeSequence(key, from, 0), keyTimeSequence(key, to, MAX_SEQUENCE)];
}

/** [timestamp][side][key][sequence]: all keys' records sort by time, so the oldest come first. */
export function timeSideKeySequence(timestamp: number, side: number, key: Buffer, sequence: number): Buffer {
  const out = Buffer.allocUnsafe(TIMESTAMP_BYTES + 1 + key.length + SEQUENCE_BYTES);
  writeTimestamp(out, 0, timestamp);
  out[TIMESTAMP_BYTES] = side;
  key.copy(out, TIMESTAMP_BYTES + 1);
  out.writeUInt32BE(sequence, TIMESTAMP_BYTES + 1 + key.length);
  return out;
}

/** The prefix shared by every sequence number of one (timestamp, side, key). */
export function timeSideKeyPrefix(timestamp: number, side: number, key: Buffer): Buffer {
  const out = Buffer.allocUnsafe(TIMESTAMP_BYTES + 1 + key.length);
  writeTimestamp(out, 0, timestamp);
  out[TIMESTAMP_BYTES] = side;
  key.copy(out, TIMESTAMP_BYTES + 1);
  return out;
}

/** Hands out sequence numbers that never overwrite a stored entry (numbers restart at 0 after a restore). */
export class SequenceNumbers {
  #next = 0;

  next(isTaken: (sequence: number) => boolean): number {
    for (let tries = 0; tries <= MAX_SEQUENCE; tries++) {
      const sequence = this.#next;
      this.#next = sequence === MAX_SEQUENCE ? 0 : sequence + 1;
      if (!isTaken(sequence)) return sequence;
    }
    throw new RangeError('join buffer: every sequence number of one key and timestamp is taken');
  }
}

/** Serializes a prefix as itself (the stores' prefixScan takes a serializer). */
export const RAW_PREFIX = { serialize: (prefix: Buffer | null) => prefix } as const;
