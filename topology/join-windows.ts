// JoinWindows: how close in time two records must be to join in a stream-stream join, and how long after a
// window ends late records are still accepted. A record at t joins other-side records in [t - before, t + after].

import { TopologyError } from '../common/errors.ts';

export class JoinWindows {
  readonly beforeMs: number;
  readonly afterMs: number;
  readonly graceMs: number;

  private constructor(beforeMs: number, afterMs: number, graceMs: number) {
    if (!Number.isFinite(beforeMs) || !Number.isFinite(afterMs) || beforeMs + afterMs < 0) {
      throw new TopologyError(`JoinWindows: before (${beforeMs} ms) + after (${afterMs} ms) must be a finite value ≥ 0`);
    }
    if (!Number.isFinite(graceMs) || graceMs < 0) throw new TopologyError(`JoinWindows: grace must be ≥ 0 ms, got ${graceMs}`);
    this.beforeMs = beforeMs;
    this.afterMs = afterMs;
    this.graceMs = graceMs;
  }

  /** Records within `timeDifferenceMs` of each other join; anything arriving after a window ends is dropped. */
  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): JoinWindows {
    return JoinWindows.ofTimeDifferenceAndGrace(timeDifferenceMs, 0);
  }

  /** As above, but records up to `graceMs` after their window's end are still joined. */
  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): JoinWindows {
    if (!(timeDifferenceMs >= 0)) throw new TopologyError(`JoinWindows: time difference must be ≥ 0 ms, got ${timeDifferenceMs}`);
    return new JoinWindows(timeDifferenceMs, timeDifferenceMs, graceMs);
  }

  /** Moves the window's start: a left record at t joins right records from t - `timeDifferenceMs` (may be negative). */
  before(timeDifferenceMs: number): JoinWindows {
    return new JoinWindows(timeDifferenceMs, this.afterMs, this.graceMs);
  }

  /** Moves the window's end: a left record at t joins right records up to t + `timeDifferenceMs` (may be negative). */
  after(timeDifferenceMs: number): JoinWindows {
    return new JoinWindows(this.beforeMs, timeDifferenceMs, this.graceMs);
  }

  size(): number {
    return this.beforeMs + this.afterMs;
  }

  gracePeriodMs(): number {
    return this.graceMs;
  }
}
