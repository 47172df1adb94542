import { describe, expect, it } from 'vitest';
import { capacityTruth, queuedTtftAttainment, SlotQueue, saturationRate, serviceMs } from './slot-queue.ts';

/** Erlang's M/D/1 waiting-time CDF: P(W <= t) = (1 - rho) sum_{k <= t/D} (lambda (kD - t))^k / k! e^{-lambda (kD - t)}. */
function mD1WaitCdf(lambdaPerMs: number, d: number, t: number): number {
  let sum = 0;
  let factorial = 1;
  for (let k = 0; k <= Math.floor(t / d); k++) {
    if (k > 0) factorial *= k;
    const x = lambdaPerMs * (k * d - t);
    sum += (x ** k / factorial) * Math.exp(-x);
  }
  return (1 - lambdaPerMs * d) * sum;
}

describe('SlotQueue', () => {
  it('serves `slots` at once and queues the rest first come, first served', () => {
    const queue = new SlotQueue(2);
    expect([0, 0, 0, 1, 25].map((t) => queue.admit(t, 10))).toEqual([0, 0, 10, 10, 25]);
  });
});

describe('the truth', () => {
  const timing = { slots: 1, ttftMs: 4, itlMs: 6, tokens: 2 }; // service 10 ms

  it('matches the closed-form M/D/1 waiting time for one slot', () => {
    expect(serviceMs(timing)).toBe(10);
    expect(saturationRate(timing)).toBe(100);
    for (const [rate, wait] of [
      [80, 25],
      [50, 5],
      [50, 0],
    ] as const) {
      const exact = mD1WaitCdf(rate / 1000, 10, wait);
      expect(queuedTtftAttainment(timing, rate, timing.ttftMs + wait)).toBeCloseTo(exact, 2);
    }
  });

  it('finds the rate where attainment crosses its target', () => {
    const four = { slots: 4, ttftMs: 20, itlMs: 2, tokens: 8 };
    const capacity = capacityTruth(four, 100, 0.9);
    expect(capacity).toBeGreaterThan(100);
    expect(capacity).toBeLessThan(saturationRate(four));
    expect(queuedTtftAttainment(four, capacity * 0.99, 100)).toBeGreaterThan(0.9);
    expect(queuedTtftAttainment(four, capacity * 1.01, 100)).toBeLessThan(0.9);
    expect(capacityTruth(four, 10, 0.9)).toBe(0); // the TTFT alone is over the limit
  });
});
