import { describe, expect, it } from 'vitest';
import { episodeDispersion, episodeStandardError } from './tail-noise.ts';

const ordered = (v: number[]) => Float64Array.from(v).sort();

describe('tail noise: episodes of samples beyond a quantile', () => {
  it('scattered exceedances are one-sample episodes (D = 1); one clump of 15 is D = 15', () => {
    const scattered = Array.from({ length: 150 }, (_, i) => (i % 10 === 0 ? 200 : 100));
    expect(episodeDispersion(scattered, 150, 3)).toBe(1);
    const clump = Array.from({ length: 150 }, (_, i) => (i >= 60 && i < 75 ? 200 : 100));
    expect(episodeDispersion(clump, 150, 3)).toBe(15);
    // Two clumps of 5 and 10, one short gap inside the second: sizes 5 and 10.
    const two = Array.from({ length: 150 }, (_, i) =>
      (i >= 20 && i < 25) || (i >= 100 && i < 111 && i !== 105) ? 200 : 100,
    );
    expect(episodeDispersion(two, 150, 3)).toBeCloseTo((25 + 100) / 15, 10);
    expect(episodeDispersion([1, 2, 3], 10, 3)).toBe(1);
  });

  it('widens the standard error of p90 by sqrt(D) when the tail is one episode', () => {
    // The 15 largest every 10th sample, or all together.
    const values = Array.from({ length: 150 }, (_, i) => (i % 10 === 9 ? 300 + i : 100 + i));
    const clumped = values.toSorted((a, b) => a - b);
    const scatteredSe = episodeStandardError(values, ordered(values), 900, 5);
    const clumpedSe = episodeStandardError(clumped, ordered(clumped), 900, 5);
    expect(scatteredSe).toBeGreaterThan(0);
    // 14 samples lie above the 136th of 150: one episode of 14 against 14 of one.
    expect(clumpedSe / scatteredSe).toBeCloseTo(Math.sqrt(14), 6);
  });
});
