import { describe, expect, it } from 'vitest';
import { mean, median, percentile, std } from './stats.ts';

describe('numpy-compatible statistics', () => {
  // Reference values from numpy 1.26: np.percentile(x, p) (linear), np.std(x) (ddof=0).
  const x = [15, 20, 35, 40, 50];
  it('percentile with linear interpolation', () => {
    expect(percentile(x, 40)).toBeCloseTo(29, 10);
    expect(percentile(x, 99)).toBeCloseTo(49.6, 10);
    expect(percentile(x, 99.9)).toBeCloseTo(49.96, 10);
    expect(percentile(x, 0)).toBe(15);
    expect(percentile(x, 100)).toBe(50);
    expect(median([3, 1, 2, 10])).toBe(2.5);
  });
  it('population standard deviation and mean', () => {
    expect(mean(x)).toBe(32);
    expect(std(x)).toBeCloseTo(12.884098726725126, 12);
  });
  it('empty input gives 0 like np.mean(x or 0)', () => {
    expect(mean([])).toBe(0);
    expect(std([])).toBe(0);
    expect(percentile([], 99)).toBe(0);
  });
  it('sorts numerically, not as strings', () => {
    expect(percentile([100, 9, 20], 50)).toBe(20);
  });
});
