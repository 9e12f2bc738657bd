// Turns the record batches of one fetched partition into ConsumedRecords the way the Java consumer does:
// records before the fetch offset dropped, control batches skipped, and under read_committed every batch
// of an aborted transaction removed, whatever fetch response its abort marker arrives in.

import type { ConsumedRecord, Headers } from '../../common/record.ts';

/** The fields of a record batch this module reads (structurally the client's RecordsBatch). */
export interface RawBatch {
  readonly firstOffset: bigint;
  readonly lastOffsetDelta: number;
  readonly attributes: number;
  readonly firstTimestamp: bigint;
  readonly maxTimestamp: bigint;
  readonly producerId: bigint;
  readonly records: ReadonlyArray<{
    readonly offsetDelta: number;
    readonly timestampDelta: bigint;
    readonly key: Buffer | null;
    readonly value: Buffer | null;
    readonly headers: ReadonlyArray<readonly [Buffer | null, Buffer | null]>;
  }>;
}

export interface AbortedTransaction {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
}

const LOG_APPEND_TIME = 0x08;
const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;
const ABORT_MARKER = 0;

const noHeaders: Headers = Object.freeze({});

function decodeHeaders(headers: RawBatch['records'][number]['headers']): Headers {
  if (headers.length === 0) return noHeaders;
  const out: Record<string, string> = {};
  for (const [k, v] of headers) if (k !== null) out[k.toString()] = v === null ? '' : v.toString();
  return out;
}

export interface DecodedPartition {
  readonly records: ConsumedRecord[];
  /** One past the last offset covered by the batches (fetchOffset when there were none). */
  readonly nextOffset: bigint;
}

/**
 * Decodes one partition's batches. `aborted` is the fetch response's aborted-transaction list, or null
 * under read_uncommitted. The Java algorithm: a producer joins the aborted set when the first offset of one
 * of its aborted transactions is reached, and leaves it at its abort marker; its transactional batches in
 * between are dropped. Stateless across responses, because each response lists every aborted transaction
 * overlapping its range.
 */
export function decodeBatches(
  topic: string,
  partition: number,
  fetchOffset: bigint,
  batches: readonly RawBatch[] | null | undefined,
  aborted: readonly AbortedTransaction[] | null,
): DecodedPartition {
  const records: ConsumedRecord[] = [];
  let nextOffset = fetchOffset;
  if (batches === null || batches === undefined) return { records, nextOffset };
  const pending = aborted === null ? [] : [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  let next = 0;
  const abortedProducers = new Set<bigint>();
  for (const batch of batches) {
    const lastOffset = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    if (lastOffset + 1n > nextOffset) nextOffset = lastOffset + 1n;
    if (lastOffset < fetchOffset) continue;
    const transactional = (batch.attributes & TRANSACTIONAL) !== 0;
    const control = (batch.attributes & CONTROL) !== 0;
    if (aborted !== null && transactional) {
      while (next < pending.length && pending[next].firstOffset <= lastOffset) abortedProducers.add(pending[next++].producerId);
      if (control) {
        const key = batch.records[0]?.key;
        if (key !== null && key !== undefined && key.length >= 4 && key.readInt16BE(2) === ABORT_MARKER) abortedProducers.delete(batch.producerId);
        continue;
      }
      if (abortedProducers.has(batch.producerId)) continue;
    }
    if (control) continue;
    const logAppendTime = (batch.attributes & LOG_APPEND_TIME) !== 0;
    for (const r of batch.records) {
      const offset = batch.firstOffset + BigInt(r.offsetDelta);
      if (offset < fetchOffset) continue;
      records.push({
        topic,
        partition,
        offset,
        key: r.key ?? null,
        value: r.value ?? null,
        timestamp: Number(logAppendTime ? batch.maxTimestamp : batch.firstTimestamp + r.timestampDelta),
        headers: decodeHeaders(r.headers),
      });
    }
  }
  return { records, nextOffset };
}
