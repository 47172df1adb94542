import { createRng } from '../core/rng.ts';

/**
 * A FIFO queue in front of `slots` identical servers, in arithmetic rather than timers: a
 * request arriving at `arrivalMs` starts on the slot that frees first (or at once if one is
 * free) and holds it for its service time. With deterministic service and Poisson arrivals this
 * is exactly an M/D/c queue; the slot server and the truth below share it, so the HTTP server's
 * queue is the same queue the truth simulates, free of timer lateness.
 */
export class SlotQueue {
  private readonly freeAt: Float64Array;
  constructor(slots: number) {
    if (!Number.isInteger(slots) || slots < 1)
      throw new RangeError(`slots must be a positive integer, got ${slots}`);
    this.freeAt = new Float64Array(slots).fill(Number.NEGATIVE_INFINITY);
  }

  /** Admits a request; returns when its service starts (>= arrivalMs). Arrivals must come in time order. */
  admit(arrivalMs: number, serviceMs: number): number {
    let slot = 0;
    for (let i = 1; i < this.freeAt.length; i++) {
      if ((this.freeAt[i] as number) < (this.freeAt[slot] as number)) slot = i;
    }
    const start = Math.max(arrivalMs, this.freeAt[slot] as number);
    this.freeAt[slot] = start + serviceMs;
    return start;
  }
}

/** A slot server's timing: `slots` at once, each request served for ttft + (tokens - 1) * itl ms. */
export interface SlotTiming {
  slots: number;
  ttftMs: number;
  itlMs: number;
  /** Output tokens of every request (max_tokens). */
  tokens: number;
}

export const serviceMs = (t: SlotTiming) => t.ttftMs + (t.tokens - 1) * t.itlMs;

/** Highest rate the slots can serve at all (req/s): slots / service time. */
export const saturationRate = (t: SlotTiming) => (1000 * t.slots) / serviceMs(t);

/** Arrivals of the truth simulation, and the share of them left out at the start (empty queue). */
const TRUTH_ARRIVALS = 1_000_000;
const TRUTH_WARMUP_SHARE = 0.01;

/**
 * Unit-rate exponential gaps, drawn once: every rate reuses them scaled by 1 / rate (common
 * random numbers), so each waiting time grows monotonically with the rate and the rate where
 * attainment crosses its target is found by plain bisection.
 */
function unitGaps(arrivals: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const gaps = new Float64Array(arrivals);
  for (let i = 0; i < arrivals; i++) gaps[i] = rng.exponential(1);
  return gaps;
}

/** Share of Poisson arrivals at `rate` whose queue-inclusive TTFT (wait + ttft) is <= limitMs. */
function attainmentFromGaps(timing: SlotTiming, gaps: Float64Array, rate: number, limitMs: number): number {
  const queue = new SlotQueue(timing.slots);
  const service = serviceMs(timing);
  const skip = Math.floor(gaps.length * TRUTH_WARMUP_SHARE);
  const scale = 1000 / rate;
  let t = 0;
  let good = 0;
  for (let i = 0; i < gaps.length; i++) {
    t += (gaps[i] as number) * scale;
    const wait = queue.admit(t, service) - t;
    if (i >= skip && wait + timing.ttftMs <= limitMs) good++;
  }
  return good / (gaps.length - skip);
}

/**
 * The truth for tests and benchmarks, by a discrete-event simulation of the same M/D/c queue
 * with 10^6 Poisson arrivals (the first 1 % left out): the share of requests whose
 * queue-inclusive TTFT is within `limitMs` at `rate` req/s. Its sampling error is ~0.002 in
 * share at 80 % load, ~0.005 at 90 % (checked against Erlang's M/D/1 formula in the tests; closed
 * forms exist for one slot only, and this is exact enough for any c).
 */
export function queuedTtftAttainment(timing: SlotTiming, rate: number, limitMs: number, seed = 1): number {
  return attainmentFromGaps(timing, unitGaps(TRUTH_ARRIVALS, seed), rate, limitMs);
}

/**
 * The capacity under "attainment of requests within TTFT limitMs, queue included": the highest
 * Poisson rate whose simulated attainment still meets the target (bisection to 1e-4 relative).
 */
export function capacityTruth(timing: SlotTiming, limitMs: number, attainment: number, seed = 1): number {
  if (timing.ttftMs > limitMs) return 0;
  const gaps = unitGaps(TRUTH_ARRIVALS, seed);
  let lo = 0;
  let hi = saturationRate(timing);
  for (let i = 0; i < 60 && (hi - lo) / hi > 1e-4; i++) {
    const mid = (lo + hi) / 2;
    if (attainmentFromGaps(timing, gaps, mid, limitMs) >= attainment) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
