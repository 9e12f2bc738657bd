// KStream#join/#leftJoin/#outerJoin of two streams: one processor per side. A record is buffered for the other
// side, joined with every other-side record of its key within the window, and — on an outer side — held until
// its window closes (stream time past window end + grace) and only then emitted with null if nothing joined it.
// Records later than their window's end + grace are dropped.

import type { Sensor } from '../common/metrics.ts';
import type { StreamRecord } from '../common/record.ts';
import type { JoinWindowBuffer } from '../state/join-buffer/join-window-buffer.ts';
import { JoinSide, type OuterJoinBuffer } from '../state/join-buffer/outer-join-buffer.ts';
import type { Processor, ProcessorContext } from './api/processor.ts';
import type { ValueJoiner } from './value-joiner.ts';

/** Stream time as both sides of one join see it in one task: the newest timestamp either side processed. */
export interface SharedJoinTime {
  streamTime: number;
}

/** One tracker per task, shared by the join's two processors (each task has its own pair). */
export class SharedJoinTimes {
  readonly #byTask = new Map<string, SharedJoinTime>();

  forTask(taskId: string): SharedJoinTime {
    let time = this.#byTask.get(taskId);
    if (time === undefined) this.#byTask.set(taskId, (time = { streamTime: Number.NEGATIVE_INFINITY }));
    return time;
  }

  release(taskId: string): void {
    this.#byTask.delete(taskId);
  }
}

export interface StreamStreamJoinSide<VL, VR, VOut> {
  readonly side: JoinSide;
  readonly thisBufferName: string;
  readonly otherBufferName: string;
  /** Shared buffer of records still waiting for a partner; null for inner joins. */
  readonly outerBufferName: string | null;
  /** The join window, from the left side's view: a left record at t joins right records in [t − before, t + after]. */
  readonly beforeMs: number;
  readonly afterMs: number;
  readonly graceMs: number;
  /** Whether this side's records without a partner are emitted (left side of a left join, both of an outer). */
  readonly thisOuter: boolean;
  /** Whether the other side's records may wait in the shared buffer. */
  readonly otherOuter: boolean;
  /** The user's joiner, always called (left value, right value). */
  readonly joiner: ValueJoiner<VL | null, VR | null, VOut>;
  readonly times: SharedJoinTimes;
}

export function streamStreamJoinProcessor<K, VL, VR, VThis, VOut>(spec: StreamStreamJoinSide<VL, VR, VOut>): () => Processor<K, VThis, K, VOut> {
  const { side, joiner, thisOuter, otherOuter, graceMs } = spec;
  const isLeft = side === JoinSide.LEFT;
  const otherSide = isLeft ? JoinSide.RIGHT : JoinSide.LEFT;
  // This side's view of the window: which other-side times a record at t reaches.
  const lookBefore = isLeft ? spec.beforeMs : spec.afterMs;
  const lookAfter = isLeft ? spec.afterMs : spec.beforeMs;
  // A waiting record's window ends `afterMs` past a left record, `beforeMs` past a right one.
  const windowEnd = (recordSide: JoinSide, timestamp: number) =>
    timestamp + (recordSide === JoinSide.LEFT ? spec.afterMs : spec.beforeMs);
  const shortestReach = Math.min(spec.afterMs, spec.beforeMs);
  const join = (key: K, thisValue: VThis | null, otherValue: unknown): VOut =>
    isLeft ? joiner(thisValue as VL | null, otherValue as VR | null, key) : joiner(otherValue as VL | null, thisValue as VR | null, key);

  return () => {
    let context: ProcessorContext<K, VOut>;
    let thisBuffer: JoinWindowBuffer<K, VThis>;
    let otherBuffer: JoinWindowBuffer<K, unknown>;
    let outerBuffer: OuterJoinBuffer<K, VL, VR> | null = null;
    let time: SharedJoinTime;
    let droppedNull: Sensor;
    let droppedLate: Sensor;

    const emitClosed = (trigger: StreamRecord<K, VThis>) => {
      const buffer = outerBuffer!;
      const streamTime = time.streamTime;
      // Nothing waiting can have closed yet: skip the scan.
      if (buffer.oldestTimestamp + shortestReach + graceMs >= streamTime) return;
      const closed = buffer.takeClosed(streamTime - graceMs - shortestReach, (s, t) => windowEnd(s, t) + graceMs < streamTime);
      for (const record of closed) {
        const value =
          record.side === JoinSide.LEFT
            ? joiner(record.value as VL, null, record.key)
            : joiner(null, record.value as VR, record.key);
        context.forward({ key: record.key, value, timestamp: record.timestamp, headers: trigger.headers });
      }
    };

    return {
      init(ctx) {
        context = ctx;
        thisBuffer = ctx.getStateStore(spec.thisBufferName);
        otherBuffer = ctx.getStateStore(spec.otherBufferName);
        if (spec.outerBufferName !== null) outerBuffer = ctx.getStateStore<OuterJoinBuffer<K, VL, VR>>(spec.outerBufferName);
        time = spec.times.forTask(ctx.taskId);
        droppedNull = ctx.metrics.sensor('dropped_records', { task_id: ctx.taskId, reason: 'null_key_or_value' });
        droppedLate = ctx.metrics.sensor('dropped_records', { task_id: ctx.taskId, reason: 'late' });
      },
      process(record: StreamRecord<K, VThis>) {
        const { key, value, timestamp } = record;
        if (timestamp > time.streamTime) time.streamTime = timestamp;
        if (value === null || value === undefined) {
          droppedNull.record();
          return;
        }
        if (key === null || key === undefined) {
          // A null key matches nothing; an outer side still emits the record alone (KIP-962).
          if (thisOuter) context.forward({ key, value: join(key, value, null), timestamp, headers: record.headers });
          else droppedNull.record();
          return;
        }
        thisBuffer.put(key, value, timestamp);
        if (timestamp + lookAfter + graceMs < time.streamTime) {
          droppedLate.record();
          return;
        }
        if (outerBuffer !== null && timestamp === time.streamTime) emitClosed(record);

        const matches = otherBuffer.fetch(key, timestamp - lookBefore, timestamp + lookAfter);
        for (const match of matches) {
          // The partner is no longer waiting alone.
          if (otherOuter) outerBuffer!.remove(key, otherSide, match.timestamp);
          context.forward({
            key,
            value: join(key, value, match.value),
            timestamp: Math.max(timestamp, match.timestamp),
            headers: record.headers,
          });
        }
        if (matches.length === 0 && thisOuter) outerBuffer!.put(key, side, value as unknown as VL | VR, timestamp);
      },
      close() {
        spec.times.release(context.taskId);
      },
    };
  };
}
