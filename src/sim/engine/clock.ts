import { performance } from 'node:perf_hooks';

/** Time source and timer of an engine; seconds on a monotonic clock. */
export interface Clock {
  now(): number;
  /** Calls `fn` at (or as soon as possible after) `deadline`. */
  at(deadline: number, fn: () => void): void;
}

/**
 * Wall-clock timers that keep a schedule rather than a sequence of delays: callers pass absolute
 * deadlines (previous deadline + modelled step), so timer lateness never accumulates. setTimeout
 * only has millisecond granularity; a deadline less than EARLY_S away runs at once (a slightly
 * early step) instead of sleeping a whole extra millisecond.
 */
const EARLY_S = 0.0004;

export class RealtimeClock implements Clock {
  now(): number {
    return performance.now() / 1000;
  }

  at(deadline: number, fn: () => void): void {
    const wait = (): void => {
      const remaining = deadline - this.now();
      if (remaining <= EARLY_S) fn();
      else setTimeout(wait, Math.max(1, Math.floor(remaining * 1000)));
    };
    const remaining = deadline - this.now();
    if (remaining <= EARLY_S) setImmediate(fn);
    else setTimeout(wait, Math.max(1, Math.floor(remaining * 1000)));
  }
}

/** Discrete-event clock for tests and offline model runs: time jumps to the next deadline. */
export class VirtualClock implements Clock {
  #now = 0;
  #seq = 0;
  readonly #events: { at: number; seq: number; fn: () => void }[] = [];

  now(): number {
    return this.#now;
  }

  at(deadline: number, fn: () => void): void {
    this.#events.push({ at: Math.max(deadline, this.#now), seq: this.#seq++, fn });
  }

  /** Runs events in time order until none is left or `until` is reached. */
  run(until = Number.POSITIVE_INFINITY): void {
    for (;;) {
      if (this.#events.length === 0) return;
      let best = 0;
      for (let i = 1; i < this.#events.length; i++) {
        const e = this.#events[i] as { at: number; seq: number };
        const b = this.#events[best] as { at: number; seq: number };
        if (e.at < b.at || (e.at === b.at && e.seq < b.seq)) best = i;
      }
      const event = this.#events[best] as { at: number; fn: () => void };
      if (event.at > until) return;
      this.#events.splice(best, 1);
      this.#now = event.at;
      event.fn();
    }
  }
}
