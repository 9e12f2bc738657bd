// Closing windows: what the emit-final aggregations and suppression share.
//  - EmitFinalTracker remembers up to which close time final results went out, with the store (so a restarted
//    task neither repeats nor skips them), and throttles the emission check if asked to.
//  - WallClockCloser is our addition to Kafka Streams' model, opt-in: when a task's stream time stands still
//    (a quiet partition, a quiet account), it lets wall-clock time stand in for it, so the last windows still close.

import { PunctuationType, type ProcessorContext } from './api/processor.ts';

/** What an emit-final aggregation reads and writes its progress through (the windowed stores provide it). */
export interface ProcessorMetadataStore {
  readProcessorMetadata(name: string): number | undefined;
  writeProcessorMetadata(name: string, value: number): void;
}

function hasMetadata(store: unknown): store is ProcessorMetadataStore {
  return typeof (store as Partial<ProcessorMetadataStore>).readProcessorMetadata === 'function';
}

const LAST_CLOSE_KEY = 'emit-final:last-window-close-time';

export class EmitFinalTracker {
  readonly #store: ProcessorMetadataStore | null;
  readonly #context: ProcessorContext<unknown, unknown>;
  readonly #intervalMs: number;
  #lastClose: number | undefined;
  #loaded = false;
  #nextCheck = Number.NEGATIVE_INFINITY;

  /** `intervalMs` > 0 checks at most that often on the wall clock (Kafka's emit interval; 0: every record). */
  constructor(store: unknown, context: ProcessorContext<unknown, unknown>, intervalMs: number) {
    this.#store = hasMetadata(store) ? store : null;
    this.#context = context;
    this.#intervalMs = intervalMs;
  }

  /** The close time of the last emission; undefined before the first. Read lazily: stores restore after init. */
  get lastClose(): number | undefined {
    if (!this.#loaded) {
      this.#loaded = true;
      this.#lastClose ??= this.#store?.readProcessorMetadata(LAST_CLOSE_KEY);
    }
    return this.#lastClose;
  }

  /** True when windows may have closed since the last emission (and the throttle allows a look). */
  due(closeTime: number): boolean {
    if (this.#intervalMs > 0) {
      const now = this.#context.currentSystemTimeMs();
      if (now < this.#nextCheck) return false;
      this.#nextCheck = now + this.#intervalMs;
    }
    const last = this.lastClose;
    return last === undefined || last < closeTime;
  }

  emitted(closeTime: number): void {
    this.#lastClose = closeTime;
    this.#loaded = true;
    this.#store?.writeProcessorMetadata(LAST_CLOSE_KEY, closeTime);
  }
}

/** Longest pause between two looks at an idle task, whatever the idle threshold. */
const MAX_CHECK_INTERVAL_MS = 1000;

/**
 * Once the task's stream time has not moved for `idleMs` of wall-clock time, calls `close` with an effective stream
 * time: the last stream time plus the wall-clock time elapsed since it last moved. Windows whose end + grace is at
 * or below it are as closed as they would be had records kept arriving in step with the wall clock.
 */
export class WallClockCloser {
  readonly #context: ProcessorContext<unknown, unknown>;
  readonly #idleMs: number;
  #lastStreamTime = Number.NEGATIVE_INFINITY;
  #movedAt: number;

  constructor(context: ProcessorContext<any, any>, idleMs: number, close: (effectiveStreamTime: number) => void) {
    this.#context = context;
    this.#idleMs = idleMs;
    this.#movedAt = context.currentSystemTimeMs();
    const interval = Math.max(1, Math.min(idleMs, MAX_CHECK_INTERVAL_MS));
    context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, (now) => {
      if (this.#noteStreamTime(now)) return;
      const idle = now - this.#movedAt;
      if (this.#lastStreamTime === Number.NEGATIVE_INFINITY || idle < this.#idleMs) return;
      close(this.#lastStreamTime + idle);
    });
  }

  /** Call per record: notes when stream time moved, so idleness is measured from that moment. */
  noteRecord(): void {
    this.#noteStreamTime(this.#context.currentSystemTimeMs());
  }

  #noteStreamTime(now: number): boolean {
    const streamTime = this.#context.currentStreamTimeMs();
    if (streamTime === this.#lastStreamTime) return false;
    this.#lastStreamTime = streamTime;
    this.#movedAt = now;
    return true;
  }
}

/** How a windowed aggregation emits, as the topology chose it (EmitStrategy). */
export interface EmissionChoice {
  readonly onClose: boolean;
  readonly wallClockCloseAfterMs: number | null;
  readonly checkIntervalMs: number;
}

export interface WindowEmission {
  /** Emit-final progress; null when results go out on every update. */
  readonly tracker: EmitFinalTracker | null;
  readonly closer: WallClockCloser | null;
  /** Emit-on-update through the record cache: the cache forwards, the processor must not. */
  readonly cached: boolean;
}

/**
 * What every windowed aggregation sets up in init: with emit-final, a tracker and (opt-in) a wall-clock closer
 * that calls `closeIdle` with the effective stream time; otherwise the cache's flushes forwarded by `onFlush`.
 */
export function setUpEmission<L>(
  context: ProcessorContext<any, any>,
  store: { setFlushListener(listener: L, sendOldValues: boolean): boolean },
  choice: EmissionChoice,
  closeIdle: (effectiveStreamTime: number) => void,
  onFlush: L,
): WindowEmission {
  if (!choice.onClose) return { tracker: null, closer: null, cached: store.setFlushListener(onFlush, true) };
  const tracker = new EmitFinalTracker(store, context, choice.checkIntervalMs);
  const closer = choice.wallClockCloseAfterMs === null ? null : new WallClockCloser(context, choice.wallClockCloseAfterMs, closeIdle);
  return { tracker, closer, cached: false };
}
