// SessionWindowedKStream#count/#aggregate/#reduce: a record opens the session [t, t], or joins every session of its
// key within the inactivity gap (end ≥ t − gap and start ≤ t + gap), merging them into one. The merged sessions
// leave downstream as tombstones, the new one as an update (timestamped with the session end). A record whose
// merged session ends before stream time − grace − gap is late: the session could not have grown to reach it.

import type { Headers, StreamRecord } from '../common/record.ts';
import { type Windowed, windowed } from '../state/api/windowed.ts';
import type { MeteredSessionStore } from '../state/metered/metered-session-store.ts';
import type { Change, Processor, ProcessorContext } from './api/processor.ts';
import type { Aggregator, Initializer } from './stream-aggregate.ts';
import { type EmitFinalTracker, setUpEmission, type WallClockCloser } from './window-close.ts';
import { recordLateness, type WindowEmit, type WindowSensors, windowSensors } from './window-aggregate.ts';

/** Combines the aggregates of two sessions that a record has bridged. */
export type Merger<K, VA> = (key: K, aggregate1: VA, aggregate2: VA) => VA;

export interface SessionWindowAggregation<K, V, VA> {
  readonly storeName: string;
  readonly gapMs: number;
  readonly graceMs: number;
  readonly initializer: Initializer<VA | null>;
  readonly aggregator: Aggregator<K, V, VA | null>;
  readonly merger: Merger<K, VA | null>;
  readonly emit: WindowEmit;
}

export function sessionWindowAggregateProcessor<K, V, VA>(
  spec: SessionWindowAggregation<K, V, VA>,
  processorName: string,
): () => Processor<K, V, Windowed<K>, Change<VA>> {
  const { gapMs, graceMs, initializer, aggregator, merger, emit } = spec;
  return () => {
    let context: ProcessorContext<Windowed<K>, Change<VA>>;
    let store: MeteredSessionStore<K, VA>;
    let sensors: WindowSensors;
    let cached = false;
    let tracker: EmitFinalTracker | null = null;
    let closer: WallClockCloser | null = null;
    let observedStreamTime = Number.NEGATIVE_INFINITY;

    const forwardChange = (key: Windowed<K>, newValue: VA | null, oldValue: VA | null, headers: Headers) => {
      if (tracker !== null || cached) return;
      context.forward({ key, value: { newValue, oldValue }, timestamp: key.window.end, headers });
    };

    /** Emits the sessions that closed since the last emission (end below the close time), by end. */
    const emitClosed = (closeTime: number, headers: Headers) => {
      if (tracker === null || !tracker.due(closeTime)) return;
      const upper = closeTime - 1;
      if (upper < 0) return;
      const lower = Math.max(0, tracker.lastClose ?? 0);
      if (upper < lower) return;
      const closed = store.findSessions(lower, upper).sort((a, b) => a.key.window.end - b.key.window.end);
      for (const row of closed) {
        context.forward({ key: row.key, value: { newValue: row.value, oldValue: null }, timestamp: row.key.window.end, headers });
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
            emitClosed(observedStreamTime - graceMs - gapMs, {});
          },
          (key: Windowed<K>, newValue: VA | null, oldValue: VA | null, _timestamp: number, headers: Headers) => {
            if (newValue === null && oldValue === null) return;
            ctx.forward({ key, value: { newValue, oldValue }, timestamp: key.window.end, headers });
          },
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
        const closeTime = observedStreamTime - graceMs - gapMs;
        if (tracker !== null) emitClosed(closeTime, record.headers);

        const overlapping = store.findSessions(key, timestamp - gapMs, timestamp + gapMs);
        let start = timestamp;
        let end = timestamp;
        let aggregate = initializer();
        for (const session of overlapping) {
          aggregate = merger(key, aggregate, session.value);
          if (session.key.window.start < start) start = session.key.window.start;
          if (session.key.window.end > end) end = session.key.window.end;
        }
        if (end < closeTime) {
          sensors.droppedLate.record();
          return;
        }
        if (start !== timestamp || end !== timestamp) {
          for (const session of overlapping) {
            store.remove(session.key);
            forwardChange(session.key, null, session.value, record.headers);
          }
        }
        aggregate = aggregator(key, value, aggregate);
        const merged = windowed(key, start, end);
        store.put(merged, aggregate as VA);
        forwardChange(merged, aggregate as VA, null, record.headers);
      },
    };
  };
}
