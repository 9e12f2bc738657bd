// How window and session stores lay their entries out in a key-value engine, so that the engine, its record cache
// and its changelog stay the plain key-value layers:
//   window entry   [segment 8][key][window start 8]([sequence 4] when duplicates are kept)
//   session entry  [segment 8][key][session end 8][session start 8]
//   metadata       [0xff][name]   (outside every segment; never expires)
// The segment (time / segment interval) comes first so expiry can find whole time slices with one range scan;
// the key comes next so one key's windows in a segment are contiguous and ordered by time.

import { readLong, writeLong } from '../api/windowed.ts';

export const SEGMENT_BYTES = 8;
export const METADATA_MARKER = 0xff;
/** Timestamps are never negative, so 0x7fff... is above every real time in the 8-byte big-endian order. */
export const MAX_TIME = Number.MAX_SAFE_INTEGER;

export function segmentId(time: number, segmentIntervalMs: number): number {
  return Math.floor(time / segmentIntervalMs);
}

/** The 8 bytes of a segment id; as an inclusive range bound it sorts below every entry of that segment. */
export function segmentBound(segment: number): Buffer {
  const out = Buffer.allocUnsafe(SEGMENT_BYTES);
  writeLong(out, segment, 0);
  return out;
}

/** [segment][key][time][sequence]; `sequence` null leaves it out. */
export function windowEntryKey(segment: number, key: Buffer, start: number, sequence: number | null): Buffer {
  const out = Buffer.allocUnsafe(SEGMENT_BYTES + key.length + 8 + (sequence === null ? 0 : 4));
  writeLong(out, segment, 0);
  key.copy(out, SEGMENT_BYTES);
  writeLong(out, start, SEGMENT_BYTES + key.length);
  if (sequence !== null) out.writeUInt32BE(sequence >>> 0, SEGMENT_BYTES + key.length + 8);
  return out;
}

export function sessionEntryKey(segment: number, key: Buffer, end: number, start: number): Buffer {
  const out = Buffer.allocUnsafe(SEGMENT_BYTES + key.length + 16);
  writeLong(out, segment, 0);
  key.copy(out, SEGMENT_BYTES);
  writeLong(out, end, SEGMENT_BYTES + key.length);
  writeLong(out, start, SEGMENT_BYTES + key.length + 8);
  return out;
}

/** [segment][key]: the lower bound of a key's entries (and of every greater key's) within a segment. */
export function segmentKeyBound(segment: number, key: Buffer): Buffer {
  const out = Buffer.allocUnsafe(SEGMENT_BYTES + key.length);
  writeLong(out, segment, 0);
  key.copy(out, SEGMENT_BYTES);
  return out;
}

/** [segment][key][0xff × suffix]: above every entry of that key in the segment. */
export function segmentKeyUpperBound(segment: number, key: Buffer, suffixBytes: number): Buffer {
  const out = Buffer.alloc(SEGMENT_BYTES + key.length + suffixBytes, 0xff);
  writeLong(out, segment, 0);
  key.copy(out, SEGMENT_BYTES);
  return out;
}

export function entryKeyBytes(entry: Buffer, suffixBytes: number): Buffer {
  return entry.subarray(SEGMENT_BYTES, entry.length - suffixBytes);
}

/** True when the entry belongs to exactly this key (a scan may also meet keys that extend it). */
export function entryHasKey(entry: Buffer, key: Buffer, suffixBytes: number): boolean {
  return (
    entry.length === SEGMENT_BYTES + key.length + suffixBytes &&
    entry.compare(key, 0, key.length, SEGMENT_BYTES, SEGMENT_BYTES + key.length) === 0
  );
}

/** The time a window entry is stored under (its start), read back from the bytes after the key. */
export function entryTime(entry: Buffer, suffixBytes: number): number {
  return readLong(entry, entry.length - suffixBytes);
}

export function sessionEntryEnd(entry: Buffer): number {
  return readLong(entry, entry.length - 16);
}

export function sessionEntryStart(entry: Buffer): number {
  return readLong(entry, entry.length - 8);
}

export function isMetadataKey(key: Buffer): boolean {
  return key.length > 0 && key[0] === METADATA_MARKER;
}

export function metadataKey(name: string): Buffer {
  return Buffer.concat([Buffer.from([METADATA_MARKER]), Buffer.from(name, 'utf8')]);
}

/** Kafka's default: two live segments plus the one being filled, but never slices under a minute. */
export function defaultSegmentInterval(retentionMs: number): number {
  return Math.max(Math.floor(retentionMs / 2), 60_000);
}
