// KTable#suppress: holds each key's latest update in a buffer until its buffer time (a window's end, or the time
// the key was first buffered) is `durationMs` behind the stream time this processor has seen, then lets it go.
// Stream time here is the highest timestamp of the updates received, as in Kafka Streams. Past the buffer's
// bounds it emits early or stops the task. With `wallClockCloseAfterMs` (ours, untilWindowCloses only) an idle
// task's windows still close on the wall clock; updates for windows closed that way arrive late and are dropped.

import { StreamsError } from '../common/errors.ts';
import type { Sensor } from '../common/metrics.ts';
import type { StreamRecord } from '../common/record.ts';
import type { Windowed } from '../state/api/windowed.ts';
import type { BufferedUpdate, InMemorySuppressionBuffer } from '../state/memory/in-memory-suppression-buffer.ts';
import type { Change, Processor, ProcessorContext } from './api/processor.ts';
import { WallClockCloser } from './window-close.ts';

export interface SuppressSpec {
  readonly storeName: string;
  /** How far stream time must pass an update's buffer time before it goes: the grace, or the time limit. */
  readonly durationMs: number;
  readonly bufferTime: 'window-end' | 'record-time';
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly whenFull: 'emit-early' | 'shut-down';
  /** Final results drop tombstones: a window that was never emitted needs no retraction. */
  readonly dropTombstones: boolean;
  readonly wallClockCloseAfterMs: number | null;
}

export function suppressProcessor<K, V>(spec: SuppressSpec, processorName: string): () => Processor<K, Change<V>> {
  const windowEnd = spec.bufferTime === 'window-end';
  const bounded = Number.isFinite(spec.maxRecords) || Number.isFinite(spec.maxBytes);
  return () => {
    let context: ProcessorContext<K, Change<V>>;
    let buffer: InMemorySuppressionBuffer<K, V>;
    let emitted: Sensor;
    let droppedLate: Sensor;
    let closer: WallClockCloser | null = null;
    let observedStreamTime = Number.NEGATIVE_INFINITY;
    /** Buffer times at or below this were let go by the wall clock; later updates for them are late. */
    let wallClosedThrough = Number.NEGATIVE_INFINITY;

    const emit = (update: BufferedUpdate<K, V>) => {
      if (update.newValue === null && spec.dropTombstones) return;
      context.forward({
        key: update.key,
        value: { newValue: update.newValue, oldValue: update.oldValue },
        timestamp: update.timestamp,
        headers: update.headers,
      });
      emitted.record();
    };

    const overCapacity = () => buffer.numRecords > spec.maxRecords || buffer.bufferSize > spec.maxBytes;

    const release = (expiryTime: number) => {
      buffer.evictWhile(() => buffer.minTimestamp <= expiryTime, emit);
    };

    return {
      init(ctx) {
        context = ctx;
        buffer = ctx.getStateStore(spec.storeName);
        emitted = ctx.metrics.sensor('suppression_emit', { task_id: ctx.taskId, processor_node_id: processorName });
        droppedLate = ctx.metrics.sensor('dropped_records', { task_id: ctx.taskId, reason: 'late' });
        if (spec.wallClockCloseAfterMs !== null) {
          closer = new WallClockCloser(ctx, spec.wallClockCloseAfterMs, (effective) => {
            const expiryTime = effective - spec.durationMs;
            if (expiryTime > wallClosedThrough) wallClosedThrough = expiryTime;
            release(expiryTime);
          });
        }
      },

      process(record: StreamRecord<K, Change<V>>) {
        if (record.timestamp > observedStreamTime) observedStreamTime = record.timestamp;
        closer?.noteRecord();
        const bufferTime = windowEnd ? (record.key as Windowed<unknown>).window.end : record.timestamp;
        if (bufferTime <= wallClosedThrough) {
          droppedLate.record();
          return;
        }
        const { newValue, oldValue } = record.value;
        buffer.put(bufferTime, record.key, newValue, oldValue, record.timestamp, record.headers, bounded);
        release(observedStreamTime - spec.durationMs);
        if (!overCapacity()) return;
        if (spec.whenFull === 'emit-early') {
          buffer.evictWhile(overCapacity, emit);
          return;
        }
        throw new StreamsError(
          'STREAMS_SUPPRESS_BUFFER_FULL',
          `${processorName}: suppression buffer over its capacity (${buffer.numRecords}/${spec.maxRecords} records, ` +
            `${buffer.bufferSize}/${spec.maxBytes} bytes); raise the BufferConfig bounds or use emitEarlyWhenFull()`,
        );
      },
    };
  };
}
