import { describe, expect, it } from 'vitest';
import { linearTicks, logTicks, niceStep } from './ticks.ts';

/** Whether `step` is 1, 2 or 5 times a power of ten. */
const is125 = (step: number) => {
  const m = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  return [1, 2, 5].some((n) => Math.abs(m - n) < 1e-9);
};

describe('niceStep', () => {
  it('rounds to 1-2-5 steps', () => {
    expect([0.013, 0.7, 1, 2.74, 4, 6, 9, 130, 4200].map(niceStep)).toEqual([
      0.01, 0.5, 1, 2, 5, 5, 10, 100, 5000,
    ]);
  });
});

describe('linearTicks', () => {
  it.each([
    [0, 13.71],
    [2, 60],
    [-2, 3],
    [0.001, 0.0042],
    [87, 6912],
    [1e6, 2.5e6],
  ])('encloses %d..%d with evenly spaced 1-2-5 ticks', (lo, hi) => {
    const t = linearTicks(lo, hi);
    expect(t.min).toBeLessThanOrEqual(lo);
    expect(t.max).toBeGreaterThanOrEqual(hi);
    expect(is125(t.step)).toBe(true);
    expect(t.values.length).toBeGreaterThanOrEqual(3);
    expect(t.values.length).toBeLessThanOrEqual(12);
    t.values.slice(1).forEach((v, i) => {
      expect(v - (t.values[i] as number)).toBeCloseTo(t.step, 9);
    });
  });

  it('prints without float noise', () => {
    expect(linearTicks(0, 0.3, { count: 3 }).values).toEqual([0, 0.1, 0.2, 0.3]);
  });

  it('keeps integer axes on whole numbers', () => {
    expect(linearTicks(1, 4, { count: 10, integer: true }).values).toEqual([1, 2, 3, 4]);
  });

  it('pads a single value instead of dividing by zero', () => {
    const t = linearTicks(5, 5);
    expect(t.min).toBeLessThan(5);
    expect(t.max).toBeGreaterThan(5);
    expect(linearTicks(0, 0).values).toContain(0);
    expect(linearTicks(1, 1, { integer: true }).values).toEqual([0, 1, 2]);
  });

  it('survives reversed and non-finite input', () => {
    expect(linearTicks(10, 0).min).toBe(0);
    expect(linearTicks(Number.NaN, 1).values).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});

describe('logTicks', () => {
  it('uses 1-2-5 per decade over a few decades, on a tight domain', () => {
    expect(logTicks(62.4, 6912.4).values).toEqual([50, 100, 200, 500, 1000, 2000, 5000, 10000]);
  });

  it('uses powers of ten over many decades', () => {
    expect(logTicks(0.004, 98000).values).toEqual([0.001, 0.01, 0.1, 1, 10, 100, 1000, 10000, 100000]);
  });

  it('thins powers of ten over a huge range', () => {
    const t = logTicks(1e-6, 1e12);
    expect(t.values.length).toBeLessThanOrEqual(10);
    expect(t.min).toBe(1e-6);
  });

  it('brackets a single value', () => {
    const t = logTicks(3, 3);
    expect(t.min).toBeLessThan(3);
    expect(t.max).toBeGreaterThan(3);
  });
});
