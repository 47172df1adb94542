import type { StepTimeModel } from '../perf/step-time.ts';
import type { Clock } from './clock.ts';
import type { Scheduler } from './scheduler.ts';
import type { Sequence } from './sequence.ts';

/** What an engine reports; the metrics module implements it. */
export interface EngineObserver {
  onStep(step: StepReport): void;
  onPreempted(seq: Sequence): void;
  /** A token of `seq` came out at `now`; `previous` is the time of its previous token or -1. */
  onToken(seq: Sequence, now: number, previous: number): void;
  onFinished(seq: Sequence, now: number): void;
}

export interface StepReport {
  readonly engine: number;
  /** Modelled duration, s. */
  readonly duration: number;
  /** How late the step's end was processed against its deadline, s (>= 0). */
  readonly lateness: number;
  /**
   * Modelled time given up, s: a step later than the catch-up limit restarts the timeline from
   * now, so its lateness is lost for good (0 for a step whose lateness the schedule absorbs).
   */
  readonly lost: number;
  readonly tokens: number;
  readonly sequences: number;
}

/**
 * Steps later than this are not caught up: the timeline restarts from now, so a long event-loop
 * stall does not make a burst of instant steps (it is counted in lateness instead).
 */
const MAX_CATCH_UP_S = 0.02;

/**
 * One model replica: a scheduler stepping in (real or virtual) time. Each step's batch is fixed
 * at its start; its tokens appear at its end; the next step starts at the previous deadline, so
 * step times add up exactly however late the timers fire.
 */
export class Engine {
  readonly index: number;
  readonly scheduler: Scheduler;
  readonly #model: StepTimeModel;
  readonly #clock: Clock;
  readonly #observer: EngineObserver | undefined;
  readonly #slowdown: number;
  #busy = false;
  steps = 0;

  constructor(
    index: number,
    scheduler: Scheduler,
    model: StepTimeModel,
    clock: Clock,
    observer?: EngineObserver,
    slowdown = 1,
  ) {
    this.index = index;
    this.scheduler = scheduler;
    this.#model = model;
    this.#clock = clock;
    this.#observer = observer;
    this.#slowdown = slowdown;
  }

  /** vLLM's data-parallel load score: waiting requests weigh more than running ones. */
  get load(): number {
    return this.scheduler.waiting.length * 4 + this.scheduler.running.length;
  }

  add(seq: Sequence): void {
    seq.arrivedAt = this.#clock.now();
    seq.engine = this.index;
    this.scheduler.add(seq);
    if (!this.#busy) {
      this.#busy = true;
      this.#step(seq.arrivedAt);
    }
  }

  abort(seq: Sequence): void {
    this.scheduler.abort(seq);
  }

  #step(start: number): void {
    const batch = this.scheduler.schedule();
    for (const seq of batch.preempted) this.#observer?.onPreempted(seq);
    if (batch.items.length === 0) {
      this.#busy = false;
      return;
    }
    // A step starts at its nominal time, which a late clock may have passed before a request
    // arrived: such a request is scheduled on arrival, never before it (no negative queue time).
    for (const item of batch.items)
      if (item.seq.firstScheduledAt < 0) item.seq.firstScheduledAt = Math.max(start, item.seq.arrivedAt);
    // --fault-slowdown scales the step, not the perf model: the fault is a slower server, and
    // everything downstream (queueing, batch sizes) follows from the longer steps.
    const duration = this.#model.stepTime(batch.items).total * this.#slowdown;
    const deadline = start + duration;
    this.#clock.at(deadline, () => {
      const now = this.#clock.now();
      const lateness = Math.max(0, now - deadline);
      const lost = lateness > MAX_CATCH_UP_S ? lateness : 0;
      this.steps++;
      let tokens = 0;
      for (const item of batch.items) tokens += item.newTokens;
      this.#observer?.onStep({
        engine: this.index,
        duration,
        lateness,
        lost,
        tokens,
        sequences: batch.items.length,
      });
      for (const event of this.scheduler.complete(batch)) {
        const seq = event.seq;
        const previous = seq.lastTokenAt;
        if (seq.firstTokenAt < 0) seq.firstTokenAt = deadline;
        seq.lastTokenAt = deadline;
        this.#observer?.onToken(seq, deadline, previous);
        seq.sink.onTokens(event.index, 1, now);
        if (event.finished) {
          seq.finishedAt = deadline;
          this.#observer?.onFinished(seq, deadline);
          seq.sink.onFinish(seq.finishReason, now);
        }
      }
      this.#step(lost > 0 ? now : deadline);
    });
  }
}
