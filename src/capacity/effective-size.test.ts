import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import { averageRanks, effectiveSize, shareEffectiveSize } from './effective-size.ts';

describe('effectiveSize', () => {
  it('is about n for independent requests', () => {
    const rng = createRng(1);
    const iid = Array.from({ length: 2000 }, () => (rng.next() < 0.9 ? 1 : 0));
    expect(effectiveSize(iid)).toBeGreaterThan(1500);
    expect(effectiveSize(iid)).toBeLessThanOrEqual(2000);
  });

  it('is n for a constant sequence and for tiny ones', () => {
    expect(effectiveSize(new Array(100).fill(1))).toBe(100);
    expect(effectiveSize([1, 0, 1])).toBe(3);
  });

  it('shrinks for runs of good and bad requests (a Markov chain with tau = (1 + a) / (1 - a))', () => {
    // Two-state chain: redrawn (fair coin) with probability 0.1, so it flips with probability 0.05.
    const rng = createRng(2);
    let state = 1;
    const runs = Array.from({ length: 20000 }, () => {
      if (rng.next() < 0.1) state = rng.next() < 0.5 ? 1 : 0;
      return state;
    });
    // Lag-1 autocorrelation a = 1 - 2 * 0.05 = 0.9: tau = 1.9 / 0.1 = 19.
    const nEff = effectiveSize(runs);
    expect(20000 / nEff).toBeGreaterThan(15);
    expect(20000 / nEff).toBeLessThan(23);
  });
});

describe('averageRanks', () => {
  it('gives ties their average rank, Infinity included', () => {
    expect([...averageRanks([3, 1, Number.POSITIVE_INFINITY, 1, Number.POSITIVE_INFINITY])]).toEqual([
      2, 0.5, 3.5, 0.5, 3.5,
    ]);
  });
});

describe('shareEffectiveSize', () => {
  it('sees the queue in the latencies when every request met the limit', () => {
    // Waits that build up and drain in bursts of 20 requests, all within the limit.
    const latencies = Array.from({ length: 200 }, (_, i) => 20 + (i % 20 < 10 ? i % 20 : 20 - (i % 20)));
    const flags = latencies.map(() => true);
    expect(shareEffectiveSize(flags, null, 0.5)).toBe(200);
    // Target 0.75: the slowest half are ranked (the peaks of every burst).
    expect(shareEffectiveSize(flags, latencies, 0.75)).toBeLessThan(50);
  });

  it('ignores correlated jitter far below the limit', () => {
    // Slow drift in the fastest 90 % of latencies (within the limit), 10 % spikes spread evenly.
    const latencies = Array.from({ length: 200 }, (_, i) => (i % 10 === 0 ? 100 : 10 + Math.sin(i / 10)));
    const flags = latencies.map(() => true);
    expect(shareEffectiveSize(flags, latencies, 0.95)).toBe(200);
    expect(shareEffectiveSize(flags, latencies, 0.5)).toBeLessThan(100);
  });
});
