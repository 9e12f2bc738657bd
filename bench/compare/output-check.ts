// The independent consumer: reads a run's output topic from the start (read_committed under exactly_once_v2) and
// holds it to what the input owes, whichever engine wrote it. Orders are told apart by their number (their "ts"
// field), windows by their key; a missing order or an under-counted window is a gap, a repeated order or an
// over-counted window a duplicate.

import type { ConsumedRecord } from '../../common/record.ts';
import type { IsolationLevel, KafkaClientFactory, PartitionOffset } from '../../runtime/kafka/ports.ts';
import { type OutputExpectation, sequenceOf } from './input.ts';
import type { WindowTotals } from './topologies.ts';

export interface OutputCheck {
  /** Output records read. */
  readonly records: number;
  /** Orders (filter, join) or account windows (window) the output owes. */
  readonly expected: number;
  readonly gaps: number;
  readonly duplicates: number;
  /** Orders that should have been dropped, windows nobody asked for, or a notional that does not add up. */
  readonly unexpected: number;
  readonly ok: boolean;
}

interface Tally {
  /** Folds a batch in; true once every expected output was seen. */
  add(records: readonly ConsumedRecord[]): boolean;
  result(records: number): OutputCheck;
}

function sequenceTally(expectation: Extract<OutputExpectation, { kind: 'sequences' }>): Tally {
  const seen = new Uint8Array(expectation.expected.length);
  let unique = 0;
  let duplicates = 0;
  let unexpected = 0;
  return {
    add(records) {
      for (const r of records) {
        const seq = r.value === null ? -1 : sequenceOf(r.value);
        if (!(seq >= 0 && seq < seen.length) || expectation.expected[seq] === 0) unexpected++;
        else if (seen[seq] === 1) duplicates++;
        else {
          seen[seq] = 1;
          unique++;
        }
      }
      return unique === expectation.count;
    },
    result(records) {
      const gaps = expectation.count - unique;
      return { records, expected: expectation.count, gaps, duplicates, unexpected, ok: gaps === 0 && duplicates === 0 && unexpected === 0 };
    },
  };
}

function windowTally(expectation: Extract<OutputExpectation, { kind: 'windows' }>): Tally {
  const latest = new Map<string, WindowTotals | null>();
  const same = (a: WindowTotals | null | undefined, b: WindowTotals) =>
    a != null && a.count === b.count && Math.abs(a.notional - b.notional) <= 1e-9 * Math.max(1, Math.abs(b.notional));
  let matched = 0;
  let strangers = 0;
  return {
    add(records) {
      for (const r of records) {
        const key = r.key === null ? '' : r.key.toString();
        const want = expectation.totals.get(key);
        if (want === undefined) {
          strangers++;
          continue;
        }
        const value = r.value === null ? null : (JSON.parse(r.value.toString()) as WindowTotals);
        // Each window's updates land on one partition in order: the last one read is the current total.
        matched += Number(same(value, want)) - Number(same(latest.get(key), want));
        latest.set(key, value);
      }
      return matched === expectation.totals.size;
    },
    result(records) {
      let gaps = 0;
      let duplicates = 0;
      let unexpected = strangers;
      for (const [key, want] of expectation.totals) {
        const got = latest.get(key);
        if (got == null || got.count < want.count) gaps++;
        else if (got.count > want.count) duplicates++;
        else if (!same(got, want)) unexpected++;
      }
      return { records, expected: expectation.totals.size, gaps, duplicates, unexpected, ok: gaps === 0 && duplicates === 0 && unexpected === 0 };
    },
  };
}

/**
 * Reads `topic` until everything expected arrived (then on to the end offsets, so trailing duplicates count too)
 * or nothing new arrived for `idleTimeoutMs`.
 */
export async function checkOutput(
  factory: KafkaClientFactory,
  topic: string,
  partitions: number,
  isolation: IsolationLevel,
  expectation: OutputExpectation,
  idleTimeoutMs = 20_000,
): Promise<OutputCheck> {
  const tally = expectation.kind === 'sequences' ? sequenceTally(expectation) : windowTally(expectation);
  const fetcher = factory.fetcher(`check-${topic}`, isolation);
  try {
    const positions: PartitionOffset[] = Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 0n }));
    let records = 0;
    let lastNews = performance.now();
    let complete = false;
    let ends: Map<string, bigint> | null = null;
    const atEnd = () => ends !== null && positions.every((p) => p.offset >= (ends!.get(`${topic}:${p.partition}`) ?? 0n));
    while (!(complete && atEnd())) {
      if (!complete && performance.now() - lastNews > idleTimeoutMs) break;
      const results = await fetcher.fetch(positions, { maxWaitMs: 200, partitionMaxBytes: 4 * 1_048_576 });
      for (const r of results) {
        if (r.error !== null) continue;
        positions[r.partition] = { topic, partition: r.partition, offset: r.nextOffset };
        if (r.records.length === 0) continue;
        records += r.records.length;
        lastNews = performance.now();
        complete = tally.add(r.records) || complete;
      }
      if (complete && ends === null) ends = await fetcher.endOffsets(positions);
    }
    return tally.result(records);
  } finally {
    await fetcher.close();
  }
}
