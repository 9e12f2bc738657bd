// Window definitions of the DSL, with Kafka Streams' names and rules (durations in milliseconds), the emit
// strategy of windowed aggregations, and the record of which processors close windows when (read by suppress).

import { ConfigError } from '../common/errors.ts';
import { firstWindowStart, type WindowEmit } from '../operators/window-aggregate.ts';
import type { Window } from '../state/api/windowed.ts';

function checkMs(where: string, what: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(`${where}: ${what} must be an integer ${min === 0 ? '≥ 0' : `≥ ${min}`} ms, got ${value}`);
  }
}

/**
 * Tumbling (advance = size) and hopping (advance < size) windows, aligned to the epoch: [k·advance, k·advance + size).
 * A window accepts records until stream time passes its end plus the grace period.
 */
export class TimeWindows {
  readonly sizeMs: number;
  readonly advanceMs: number;
  readonly graceMs: number;

  private constructor(sizeMs: number, advanceMs: number, graceMs: number) {
    this.sizeMs = sizeMs;
    this.advanceMs = advanceMs;
    this.graceMs = graceMs;
  }

  /** Tumbling windows that close as soon as stream time reaches their end. */
  static ofSizeWithNoGrace(sizeMs: number): TimeWindows {
    return TimeWindows.ofSizeAndGrace(sizeMs, 0);
  }

  static ofSizeAndGrace(sizeMs: number, graceMs: number): TimeWindows {
    checkMs('TimeWindows', 'size', sizeMs, 1);
    checkMs('TimeWindows', 'grace', graceMs, 0);
    return new TimeWindows(sizeMs, sizeMs, graceMs);
  }

  /** Hopping windows: a new window every `advanceMs` (0 < advance ≤ size). */
  advanceBy(advanceMs: number): TimeWindows {
    if (!Number.isSafeInteger(advanceMs) || advanceMs <= 0 || advanceMs > this.sizeMs) {
      throw new ConfigError(
        `TimeWindows.advanceBy: the advance must be > 0 and ≤ the window size (${this.sizeMs} ms), got ${advanceMs}`,
      );
    }
    return new TimeWindows(this.sizeMs, advanceMs, this.graceMs);
  }

  /** The windows a record at `timestamp` falls in, by start. */
  windowsFor(timestamp: number): Window[] {
    const out: Window[] = [];
    for (let start = firstWindowStart(timestamp, this.sizeMs, this.advanceMs); start <= timestamp; start += this.advanceMs) {
      out.push({ start, end: start + this.sizeMs });
    }
    return out;
  }
}

/**
 * Sliding windows (KIP-450): windows of `timeDifferenceMs` with both ends inclusive, placed by the records
 * themselves, one per distinct set of records that lie within the time difference of each other.
 */
export class SlidingWindows {
  readonly timeDifferenceMs: number;
  readonly graceMs: number;

  private constructor(timeDifferenceMs: number, graceMs: number) {
    this.timeDifferenceMs = timeDifferenceMs;
    this.graceMs = graceMs;
  }

  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): SlidingWindows {
    return SlidingWindows.ofTimeDifferenceAndGrace(timeDifferenceMs, 0);
  }

  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): SlidingWindows {
    checkMs('SlidingWindows', 'time difference', timeDifferenceMs, 0);
    checkMs('SlidingWindows', 'grace', graceMs, 0);
    return new SlidingWindows(timeDifferenceMs, graceMs);
  }
}

/** Session windows: per key, periods of activity separated by at least `gapMs` of inactivity. */
export class SessionWindows {
  readonly gapMs: number;
  readonly graceMs: number;

  private constructor(gapMs: number, graceMs: number) {
    this.gapMs = gapMs;
    this.graceMs = graceMs;
  }

  static ofInactivityGapWithNoGrace(gapMs: number): SessionWindows {
    return SessionWindows.ofInactivityGapAndGrace(gapMs, 0);
  }

  static ofInactivityGapAndGrace(gapMs: number, graceMs: number): SessionWindows {
    checkMs('SessionWindows', 'inactivity gap', gapMs, 1);
    checkMs('SessionWindows', 'grace', graceMs, 0);
    return new SessionWindows(gapMs, graceMs);
  }
}

/** When a windowed aggregation emits: on every update (the default), or once per window when it closes. */
export class EmitStrategy {
  readonly type: 'on-window-update' | 'on-window-close';
  readonly wallClockCloseAfterMs: number | null;
  readonly emitIntervalMs: number;

  private constructor(type: EmitStrategy['type'], wallClockCloseAfterMs: number | null, emitIntervalMs: number) {
    this.type = type;
    this.wallClockCloseAfterMs = wallClockCloseAfterMs;
    this.emitIntervalMs = emitIntervalMs;
  }

  static onWindowUpdate(): EmitStrategy {
    return new EmitStrategy('on-window-update', null, 0);
  }

  /** Emit each window's final result once, when stream time passes its end plus grace (KIP-825). */
  static onWindowClose(): EmitStrategy {
    return new EmitStrategy('on-window-close', null, 0);
  }

  /**
   * Beyond Kafka Streams: once the task's stream time has stood still for `idleMs` of wall-clock time, windows also
   * close by the wall clock (stream time is taken to move on with it), so a quiet key's last window is emitted.
   * Records that arrive afterwards for a window closed this way are late and dropped.
   */
  withWallClockCloseAfter(idleMs: number): EmitStrategy {
    if (this.type !== 'on-window-close') {
      throw new ConfigError('EmitStrategy.withWallClockCloseAfter: only an onWindowClose() strategy closes windows');
    }
    checkMs('EmitStrategy.withWallClockCloseAfter', 'idle time', idleMs, 1);
    return new EmitStrategy(this.type, idleMs, this.emitIntervalMs);
  }

  /** Look for closed windows at most this often on the wall clock (Kafka's internal emit interval; default: always). */
  withEmitInterval(intervalMs: number): EmitStrategy {
    checkMs('EmitStrategy.withEmitInterval', 'interval', intervalMs, 0);
    return new EmitStrategy(this.type, this.wallClockCloseAfterMs, intervalMs);
  }

  toEmit(): WindowEmit {
    return {
      onClose: this.type === 'on-window-close',
      wallClockCloseAfterMs: this.wallClockCloseAfterMs,
      checkIntervalMs: this.emitIntervalMs,
    };
  }
}

/** What suppress needs to know of the windowed aggregation upstream of a table. */
export interface WindowCloseInfo {
  /** Stream time past a window's end at which it is final: the grace (plus the gap, for sessions). */
  readonly closeAfterMs: number;
  readonly kind: 'time' | 'session';
  /** For time windows: the size, which a windowed key's bytes do not carry. */
  readonly windowSizeMs: number;
}

const windowedAggregations = new WeakMap<object, WindowCloseInfo>();

export function registerWindowedAggregation(supplier: object, info: WindowCloseInfo): void {
  windowedAggregations.set(supplier, info);
}

export function windowedAggregationOf(supplier: object): WindowCloseInfo | undefined {
  return windowedAggregations.get(supplier);
}
