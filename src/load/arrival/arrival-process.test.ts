import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng.ts';
import { mean, std } from '../../metrics/stats.ts';
import { scheduleMs } from '../schedule.ts';
import { rescaledArrivals } from './arrival-process.ts';
import { constantRate } from './rate-shape.ts';

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - (times[i] as number));
const cv = (xs: number[]) => std(xs) / mean(xs);

describe('arrival processes', () => {
  it('Poisson: mean rate and exponential gaps (coefficient of variation 1) over many samples', () => {
    const t = scheduleMs({ kind: 'poisson', rate: 20 }, 20_000, createRng(7));
    const g = gaps(t);
    expect(1000 / mean(g)).toBeGreaterThan(19.5);
    expect(1000 / mean(g)).toBeLessThan(20.5);
    expect(cv(g)).toBeGreaterThan(0.97);
    expect(cv(g)).toBeLessThan(1.03);
  });

  it.each([0.25, 4])('Gamma with burstiness %s: rate kept, CV = 1/sqrt(burstiness) as in vLLM', (b) => {
    const g = gaps(scheduleMs({ kind: 'gamma', rate: 10, burstiness: b }, 20_000, createRng(3)));
    expect(1000 / mean(g)).toBeCloseTo(10, 0);
    expect(cv(g)).toBeGreaterThan((1 / Math.sqrt(b)) * 0.95);
    expect(cv(g)).toBeLessThan((1 / Math.sqrt(b)) * 1.05);
  });

  it('constant rate is evenly spaced; infinite sends everything at zero; bursts come in groups', () => {
    // vLLM's --burstiness inf: every gap, the first request's delay included, is 1/rate.
    expect(scheduleMs({ kind: 'constant', rate: 4 }, 4, createRng(1))).toEqual([250, 500, 750, 1000]);
    expect(scheduleMs({ kind: 'infinite' }, 3, createRng(1))).toEqual([0, 0, 0]);
    expect(scheduleMs({ kind: 'bursts', size: 2, intervalS: 0.5 }, 5, createRng(1))).toEqual([
      0, 0, 500, 500, 1000,
    ]);
  });

  it('steps change the rate at the step boundary', () => {
    const t = scheduleMs(
      {
        kind: 'steps',
        steps: [
          { rate: 10, durationS: 10 },
          { rate: 50, durationS: 10 },
        ],
        burstiness: 1,
      },
      100_000,
      createRng(5),
      20,
    );
    const first = t.filter((x) => x < 10_000).length;
    const second = t.filter((x) => x >= 10_000).length;
    expect(first / 10).toBeCloseTo(10, -1);
    expect(second / 10).toBeGreaterThan(45);
    expect(second / 10).toBeLessThan(55);
  });

  it.each(['linear', 'exponential'] as const)(
    '%s ramp without a duration reaches the end rate at the last request',
    (curve) => {
      const t = scheduleMs(
        { kind: 'ramp', curve, startRate: 2, endRate: 50, burstiness: 1000 },
        2000,
        createRng(2),
      );
      const g = gaps(t);
      expect(1000 / mean(g.slice(0, 5))).toBeLessThan(4);
      expect(1000 / mean(g.slice(-50))).toBeGreaterThan(45);
      expect(1000 / mean(g.slice(-50))).toBeLessThan(51);
    },
  );

  it('linear ramp with a duration places the expected count inside it', () => {
    // Integral of a 0..20 req/s linear ramp over 10 s = 100 requests.
    const t = scheduleMs(
      { kind: 'ramp', curve: 'linear', startRate: 0.001, endRate: 20, durationS: 10, burstiness: 1000 },
      1000,
      createRng(2),
      10,
    );
    expect(t.length).toBeGreaterThanOrEqual(99);
    expect(t.length).toBeLessThanOrEqual(101);
  });

  it('is seeded: the same seed gives the same schedule, another seed another', () => {
    const a = scheduleMs({ kind: 'poisson', rate: 5 }, 50, createRng(42));
    expect(scheduleMs({ kind: 'poisson', rate: 5 }, 50, createRng(42))).toEqual(a);
    expect(scheduleMs({ kind: 'poisson', rate: 5 }, 50, createRng(43))).not.toEqual(a);
  });

  describe("vLLM's rescaling of a fixed rate (get_request's target_total_delay_s)", () => {
    const unscaled = (burstiness: number, rate: number, n: number, seed: number) =>
      rescaledArrivals(constantRate(rate), { kind: 'gamma', burstiness })
        .schedule(n, createRng(seed).fork('arrivals'))
        .map((s) => s * 1000);

    it.each([
      [{ kind: 'poisson', rate: 20 } as const, 100],
      [{ kind: 'gamma', rate: 7, burstiness: 0.5 } as const, 33],
      [{ kind: 'constant', rate: 3 } as const, 10],
      [{ kind: 'poisson', rate: 2 } as const, 1],
    ])('%o: the last of %i sends is at exactly N / rate', (arrival, n) => {
      for (const seed of [0, 1, 2, 99]) {
        const t = scheduleMs(arrival, n, createRng(seed));
        expect(t).toHaveLength(n);
        expect(t.at(-1)).toBe((n / arrival.rate) * 1000);
        // vLLM sleeps before the first request too (its first gap is a delay), so it is not at 0.
        expect(t[0]).toBeGreaterThan(0);
      }
    });

    it('keeps the shape: the same seed gives the same gaps as the unscaled process, times one factor', () => {
      // Seed 0 at 20 req/s as runLoad draws it: unscaled, 100 sends offered 23.3 req/s.
      const before = unscaled(1, 20, 100, 0);
      expect(99 / ((before.at(-1) as number) / 1000)).toBeCloseTo(23.33, 2);
      const after = scheduleMs({ kind: 'poisson', rate: 20 }, 100, createRng(0).fork('arrivals'));
      expect(99 / (((after.at(-1) as number) - (after[0] as number)) / 1000)).toBeCloseTo(20, 0);
      const factor = ((after[1] as number) - (after[0] as number)) / (before[1] as number);
      expect(factor).toBeGreaterThan(0);
      for (let i = 1; i < 100; i++) {
        expect((after[i] as number) - (after[0] as number)).toBeCloseTo((before[i] as number) * factor, 9);
      }
      // The first send's delay is one more gap of the same process, rescaled by the same factor.
      expect((after[99] as number) / factor).toBeCloseTo(
        (before[99] as number) + (after[0] as number) / factor,
        9,
      );
    });

    it('offers the asked rate on average over seeds, as vLLM does', () => {
      const rates = Array.from({ length: 200 }, (_, seed) => {
        const t = scheduleMs({ kind: 'poisson', rate: 20 }, 100, createRng(seed));
        return 99 / (((t.at(-1) as number) - (t[0] as number)) / 1000);
      });
      expect(mean(rates)).toBeGreaterThan(19);
      expect(mean(rates)).toBeLessThan(21.5);
    });

    it('leaves a duration-bounded run unscaled (its count is only an upper bound)', () => {
      const bounded = scheduleMs({ kind: 'poisson', rate: 20 }, 400, createRng(5).fork('arrivals'), 10);
      const raw = unscaled(1, 20, 400, 5).filter((t) => t <= 10_000);
      expect(bounded).toEqual(raw);
      expect(bounded[0]).toBe(0);
    });
  });

  it('stops at the duration bound', () => {
    const t = scheduleMs({ kind: 'constant', rate: 10 }, 1000, createRng(1), 2);
    expect(t).toHaveLength(21);
    expect(t.at(-1)).toBe(2000);
  });
});
