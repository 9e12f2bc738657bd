// TimeWindowedKStream aggregations over sliding windows (Kafka's KIP-450): windows of a fixed time difference D,
// both ends inclusive, that exist only where their set of records is distinct. Every record r has a left window
// [r − D, r] ending on it and, once a later record lies within D of it, a right window [r + 1, r + 1 + D] starting
// just after it. A new record therefore (1) folds into the existing windows that contain it, (2) creates its own
// left window (seeded with the aggregate of the records in [r − D, r)), (3) creates its right window when later
// records exist (seeded with their aggregate), and (4) creates the right window of the record just before it.
// The seeds are read from neighbouring windows, so aggregators never need to be inverted.

import type { StreamRecord } from '../common/record.ts';
import type { ValueAndTimestamp } from '../state/api/value-and-timestamp.ts';
import { type Windowed, windowed } from '../state/api/windowed.ts';
import type { MeteredWindowStore } from '../state/metered/metered-window-store.ts';
import type { Change, Processor, ProcessorContext } from './api/processor.ts';
import { changeForwarder } from './table-forwarding.ts';
import { type EmitFinalTracker, setUpEmission, type WallClockCloser } from './window-close.ts';
import { recordLateness, type WindowedAggregation, type WindowSensors, windowSensors } from './window-aggregate.ts';

export interface SlidingWindowAggregation<K, V, VA> extends WindowedAggregation<K, V, VA> {
  readonly timeDifferenceMs: number;
  readonly graceMs: number;
}

type Aggregate<VA> = ValueAndTimestamp<VA | null>;

export function slidingWindowAggregateProcessor<K, V, VA>(
  spec: SlidingWindowAggregation<K, V, VA>,
  processorName: string,
): () => Processor<K, V, Windowed<K>, Change<VA>> {
  const { timeDifferenceMs: diff, graceMs, initializer, aggregator, emit } = spec;
  return () => {
    let context: ProcessorContext<Windowed<K>, Change<VA>>;
    let store: MeteredWindowStore<K, Aggregate<VA>>;
    let sensors: WindowSensors;
    let cached = false;
    let tracker: EmitFinalTracker | null = null;
    let closer: WallClockCloser | null = null;
    let observedStreamTime = Number.NEGATIVE_INFINITY;

    /** Writes the window [start, start + D] and tells downstream (unless a cache or emit-final does that). */
    const putWindow = (key: K, start: number, aggregate: Aggregate<VA>, old: VA | null, headers: StreamRecord<K, V>['headers']) => {
      store.put(key, aggregate, start);
      if (tracker === null && !cached) {
        context.forward({
          key: windowed(key, start, start + diff),
          value: { newValue: aggregate.value as VA, oldValue: old },
          timestamp: aggregate.timestamp,
          headers,
        });
      }
    };

    /** Folds the record into a window (existing, or new with `current` as its seed) unless the window is closed. */
    const update = (record: StreamRecord<K, V>, start: number, current: Aggregate<VA> | null, closeTime: number) => {
      if (start + diff < closeTime) {
        sensors.droppedLate.record();
        return;
      }
      const t = record.timestamp;
      const aggregate = aggregator(record.key, record.value, current === null ? null : current.value);
      const timestamp = current === null || t > current.timestamp ? t : current.timestamp;
      putWindow(record.key, start, { value: aggregate, timestamp }, current?.value ?? null, record.headers);
    };

    const fresh = (t: number): Aggregate<VA> => ({ value: initializer(), timestamp: t });

    /** Records later than a right window that does not exist yet: it starts with their aggregate, without r. */
    const createRightWindow = (record: StreamRecord<K, V>, seed: Aggregate<VA>) => {
      putWindow(record.key, record.timestamp + 1, seed, null, record.headers);
    };

    const processReverse = (record: StreamRecord<K, V>, closeTime: number) => {
      const t = record.timestamp;
      const starts = new Set<number>();
      let leftSeed: Aggregate<VA> | null = null;
      let rightSeed: Aggregate<VA> | null = null;
      let leftExists = false;
      let rightExists = false;
      let previous: number | null = null;
      // Newest window first: those containing r, then r's own left window, then the one just before it.
      for (const row of store.backwardFetch(record.key, Math.max(0, t - 2 * diff), t + 1)) {
        const start = row.key;
        const end = start + diff;
        starts.add(start);
        if (start === t + 1) {
          rightExists = true;
        } else if (end > t) {
          rightSeed ??= row.value;
          update(record, start, row.value, closeTime);
        } else if (end === t) {
          leftExists = true;
          update(record, start, row.value, closeTime);
          if (row.value.timestamp >= t) return; // r's timestamp was seen before: every window already exists
          previous = row.value.timestamp;
        } else {
          leftSeed = row.value;
          previous = row.value.timestamp;
          break;
        }
      }
      if (previous !== null && !starts.has(previous + 1) && previous + 1 + diff >= t) {
        update(record, previous + 1, fresh(t), closeTime);
      }
      if (!leftExists) {
        const seed = previous !== null && t - diff <= previous && leftSeed !== null ? { value: leftSeed.value, timestamp: t } : fresh(t);
        update(record, t - diff, seed, closeTime);
      }
      if (!rightExists && rightSeed !== null && rightSeed.timestamp > t) createRightWindow(record, rightSeed);
    };

    /** Records before D would need windows starting below zero: they share the window [0, D] instead. */
    const processEarly = (record: StreamRecord<K, V>, closeTime: number) => {
      const t = record.timestamp;
      const starts = new Set<number>();
      let combined: { start: number; value: Aggregate<VA> } | null = null;
      let rightSeed: Aggregate<VA> | null = null;
      let rightExists = false;
      let previous: number | null = null;
      for (const row of store.fetch(record.key, 0, t + 1)) {
        const start = row.key;
        starts.add(start);
        if (start === 0) {
          combined = { start, value: row.value };
          if (row.value.timestamp < t) previous = row.value.timestamp;
        } else if (start <= t) {
          rightSeed = row.value;
          update(record, start, row.value, closeTime);
        } else {
          rightExists = true;
        }
      }
      // Without a window between, the combined window's records that follow r are exactly r's right window's.
      if (rightSeed === null && combined !== null && combined.value.timestamp > t) rightSeed = combined.value;
      if (!rightExists && rightSeed !== null && rightSeed.timestamp > t) createRightWindow(record, rightSeed);
      if (previous !== null && !starts.has(previous + 1)) update(record, previous + 1, fresh(t), closeTime);
      update(record, 0, combined === null ? fresh(t) : combined.value, closeTime);
    };

    /** Emits the windows closed since the last emission: an inclusive end below the close time. */
    const emitClosed = (closeTime: number, headers: StreamRecord<K, V>['headers']) => {
      if (tracker === null || !tracker.due(closeTime)) return;
      const upper = closeTime - diff - 1;
      if (upper < 0) return;
      const last = tracker.lastClose;
      const lower = last === undefined ? 0 : Math.max(0, last - diff);
      if (upper < lower) return;
      const closed = store.fetchAll(lower, upper).sort((a, b) => a.key.window.start - b.key.window.start);
      for (const row of closed) {
        context.forward({ key: row.key, value: { newValue: row.value.value as VA, oldValue: null }, timestamp: row.value.timestamp, headers });
      }
      sensors.emitted.record(closed.length);
      tracker.emitted(closeTime);
    };

    return {
      init(ctx) {
        context = ctx;
        store = ctx.getStateStore(spec.storeName);
        sensors = windowSensors(ctx, processorName);
        ({ tracker, closer, cached } = setUpEmission(
          ctx,
          store,
          emit,
          (effective) => {
            if (effective > observedStreamTime) observedStreamTime = effective;
            emitClosed(observedStreamTime - graceMs, {});
          },
          changeForwarder(ctx),
        ));
      },

      process(record: StreamRecord<K, V>) {
        const { key, value, timestamp } = record;
        if (key === null || key === undefined || value === null || value === undefined) {
          sensors.droppedNull.record();
          return;
        }
        recordLateness(sensors, context, timestamp);
        closer?.noteRecord();
        if (timestamp > observedStreamTime) observedStreamTime = timestamp;
        const closeTime = observedStreamTime - graceMs;
        if (tracker !== null) emitClosed(closeTime, record.headers);
        // Even the record's right window, the last one it could belong to, has closed.
        if (timestamp + 1 + diff <= closeTime) {
          sensors.droppedLate.record();
          return;
        }
        if (timestamp < diff) processEarly(record, closeTime);
        else processReverse(record, closeTime);
      },
    };
  };
}
