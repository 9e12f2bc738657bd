// TimeWindowedKStream#count/#aggregate/#reduce over tumbling and hopping windows (aligned to the epoch, start
// inclusive, end exclusive). Each record folds into every window that contains it and is still open
// (end > stream time − grace); windows already closed drop it and count it as late. Results go downstream on every
// update (through the record cache when the store has one) or, with emit-final, once per window when it closes.

import { AGE_BOUNDS_MS, type Sensor } from '../common/metrics.ts';
import type { StreamRecord } from '../common/record.ts';
import type { ValueAndTimestamp } from '../state/api/value-and-timestamp.ts';
import { type Windowed, windowed } from '../state/api/windowed.ts';
import type { MeteredWindowStore } from '../state/metered/metered-window-store.ts';
import type { Change, Processor, ProcessorContext } from './api/processor.ts';
import type { Aggregator, Initializer } from './stream-aggregate.ts';
import { changeForwarder } from './table-forwarding.ts';
import { type EmitFinalTracker, setUpEmission, type WallClockCloser } from './window-close.ts';

export interface WindowEmit {
  /** Emit each window once, when it closes, instead of on every update. */
  readonly onClose: boolean;
  /** Also close windows by wall-clock time once stream time has stood still this long (see WallClockCloser). */
  readonly wallClockCloseAfterMs: number | null;
  /** Look for closed windows at most this often on the wall clock (0: on every record). */
  readonly checkIntervalMs: number;
}

export const EMIT_ON_UPDATE: WindowEmit = { onClose: false, wallClockCloseAfterMs: null, checkIntervalMs: 0 };

/** Reduce is an aggregation whose initializer gives null: the first value becomes the aggregate. */
export interface WindowedAggregation<K, V, VA> {
  readonly storeName: string;
  readonly initializer: Initializer<VA | null>;
  readonly aggregator: Aggregator<K, V, VA | null>;
  readonly emit: WindowEmit;
}

export interface TimeWindowAggregation<K, V, VA> extends WindowedAggregation<K, V, VA> {
  readonly sizeMs: number;
  readonly advanceMs: number;
  readonly graceMs: number;
}

/** Start of the first window containing `timestamp`; the others follow every `advanceMs` up to the timestamp. */
export function firstWindowStart(timestamp: number, sizeMs: number, advanceMs: number): number {
  return Math.floor(Math.max(0, timestamp - sizeMs + advanceMs) / advanceMs) * advanceMs;
}

/** The sensors every windowed aggregation records into. */
export interface WindowSensors {
  readonly droppedLate: Sensor;
  readonly droppedNull: Sensor;
  readonly lateness: Sensor;
  readonly emitted: Sensor;
}

export function windowSensors(context: ProcessorContext<any, any>, processorName: string): WindowSensors {
  const task = { task_id: context.taskId };
  return {
    droppedLate: context.metrics.sensor('dropped_records', { ...task, reason: 'late' }),
    droppedNull: context.metrics.sensor('dropped_records', { ...task, reason: 'null_key_or_value' }),
    lateness: context.metrics.histogram('record_lateness', { ...task, processor_node_id: processorName }, AGE_BOUNDS_MS),
    emitted: context.metrics.sensor('window_emitted_records', { ...task, processor_node_id: processorName }),
  };
}

/** How far behind stream time the record is (0 when it moves stream time), as Kafka's record-lateness. */
export function recordLateness(sensors: WindowSensors, context: ProcessorContext<any, any>, timestamp: number): void {
  const behind = context.currentStreamTimeMs() - timestamp;
  sensors.lateness.record(behind > 0 ? behind : 0);
}

export function timeWindowAggregateProcessor<K, V, VA>(
  spec: TimeWindowAggregation<K, V, VA>,
  processorName: string,
): () => Processor<K, V, Windowed<K>, Change<VA>> {
  const { sizeMs, advanceMs, graceMs, initializer, aggregator, emit } = spec;
  return () => {
    let context: ProcessorContext<Windowed<K>, Change<VA>>;
    let store: MeteredWindowStore<K, ValueAndTimestamp<VA>>;
    let sensors: WindowSensors;
    let cached = false;
    let tracker: EmitFinalTracker | null = null;
    let closer: WallClockCloser | null = null;
    let observedStreamTime = Number.NEGATIVE_INFINITY;

    /** Emits every window that closed since the last emission, oldest window first. */
    const emitClosed = (closeTime: number, headers: StreamRecord<K, V>['headers']) => {
      if (tracker === null || !tracker.due(closeTime)) return;
      const upper = closeTime - sizeMs; // a window is closed when start + size ≤ close time
      if (upper < 0) return;
      const last = tracker.lastClose;
      const lower = last === undefined ? 0 : Math.max(0, last - sizeMs) + 1;
      if (Math.floor(upper / advanceMs) * advanceMs < lower) return; // no window starts in [lower, upper]
      const closed = store.fetchAll(lower, upper).sort((a, b) => a.key.window.start - b.key.window.start);
      for (const row of closed) {
        context.forward({
          key: row.key,
          value: { newValue: row.value.value, oldValue: null },
          timestamp: row.value.timestamp,
          headers,
        });
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
        // Before this record's writes: they only touch open windows, and may expire closed ones from the store.
        if (tracker !== null) emitClosed(closeTime, record.headers);

        for (let start = firstWindowStart(timestamp, sizeMs, advanceMs); start <= timestamp; start += advanceMs) {
          const end = start + sizeMs;
          if (end <= closeTime) {
            sensors.droppedLate.record();
            continue;
          }
          const old = store.fetch(key, start);
          const aggregate = aggregator(key, value, old === undefined ? initializer() : old.value);
          const newTimestamp = old === undefined || timestamp > old.timestamp ? timestamp : old.timestamp;
          store.put(key, { value: aggregate as VA, timestamp: newTimestamp }, start);
          if (tracker === null && !cached) {
            context.forward({
              key: windowed(key, start, end),
              value: { newValue: aggregate as VA, oldValue: old === undefined ? null : old.value },
              timestamp: newTimestamp,
              headers: record.headers,
            });
          }
        }
      },
    };
  };
}
