// Scheduled punctuators of one task, for one kind of time. Stream-time schedules are aligned to the
// epoch (multiples of the interval) and fire as soon as stream time reaches them; missed intervals fire once.

import type { Cancellable, Punctuator } from '../operators/api/processor.ts';

interface Schedule {
  next: number;
  readonly interval: number;
  readonly punctuator: Punctuator;
  readonly run: (punctuator: Punctuator, timestamp: number) => void;
  cancelled: boolean;
}

export class PunctuationQueue {
  readonly #schedules: Schedule[] = [];

  schedule(
    start: number,
    interval: number,
    punctuator: Punctuator,
    run: (punctuator: Punctuator, timestamp: number) => void,
  ): Cancellable {
    const schedule: Schedule = { next: start, interval, punctuator, run, cancelled: false };
    this.#schedules.push(schedule);
    return {
      cancel: () => {
        schedule.cancelled = true;
      },
    };
  }

  /** Fires every schedule due at `now`; true when any fired. */
  mayPunctuate(now: number): boolean {
    let fired = false;
    for (let i = 0; i < this.#schedules.length; i++) {
      const s = this.#schedules[i];
      if (s.cancelled) {
        this.#schedules.splice(i--, 1);
        continue;
      }
      if (s.next > now) continue;
      s.run(s.punctuator, now);
      fired = true;
      let next = s.next + s.interval;
      if (now >= next) next = now - ((now - s.next) % s.interval) + s.interval;
      s.next = next;
    }
    return fired;
  }

  get size(): number {
    return this.#schedules.filter((s) => !s.cancelled).length;
  }
}
