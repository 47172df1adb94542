import { describe, expect, it } from 'vitest';
import { binomialCdf, clopperPearsonInterval, normalQuantile, wilsonInterval } from './intervals.ts';

// Reference values from scipy 1.17 (norm.ppf, binom.cdf, beta.ppf for Clopper-Pearson).
describe('normalQuantile', () => {
  it('matches scipy in the centre and the tails', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.995)).toBeCloseTo(2.5758293035489004, 12);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 10);
    expect(normalQuantile(0.5)).toBe(0);
  });
});

describe('wilsonInterval', () => {
  it('gives [0.8882, 0.9785] for 95 of 100 at 95 %', () => {
    const [lo, hi] = wilsonInterval(95, 100, 0.95);
    expect(lo).toBeCloseTo(0.8882, 4);
    expect(hi).toBeCloseTo(0.9785, 4);
  });

  it('reaches 0 and 1 exactly at k = 0 and k = n', () => {
    expect(wilsonInterval(0, 50, 0.95)[0]).toBe(0);
    expect(wilsonInterval(50, 50, 0.95)[1]).toBe(1);
    // n / (n + z^2) is the lower bound at k = n.
    expect(wilsonInterval(50, 50, 0.95)[0]).toBeCloseTo(50 / (50 + 1.959963984540054 ** 2), 12);
  });

  it('rejects counts that are not a share', () => {
    expect(() => wilsonInterval(5, 4, 0.95)).toThrow(RangeError);
    expect(() => wilsonInterval(0, 0, 0.95)).toThrow(RangeError);
    expect(() => clopperPearsonInterval(2.5, 10, 0.95)).toThrow(RangeError);
  });

  it('takes a fractional effective sample size: 95 % of 25 is wider than of 100', () => {
    const [lo, hi] = wilsonInterval(23.75, 25, 0.95);
    expect(lo).toBeCloseTo(0.7905, 4);
    expect(hi).toBeCloseTo(0.9897, 4);
  });
});

describe('binomialCdf', () => {
  it('matches scipy for n = 20000 in the far tail and near the middle', () => {
    expect(binomialCdf(150, 20000, 0.01)).toBeCloseTo(0.000122919738, 11);
    expect(binomialCdf(9800, 20000, 0.5)).toBeCloseTo(0.002390444728, 11);
    expect(binomialCdf(20000, 20000, 0.3)).toBe(1);
  });
});

describe('clopperPearsonInterval', () => {
  const cases: Array<[number, number, number, number]> = [
    [0, 10, 0, 0.3084971078],
    [10, 10, 0.6915028922, 1],
    [95, 100, 0.8871650889, 0.9835681208],
    [3, 7, 0.0989882784, 0.8159484324],
    [495, 500, 0.9768186119, 0.9967452786],
    [19800, 20000, 0.9885224524, 0.991332361],
    [1, 20000, 0.0000012659, 0.0002785503],
    [0, 20000, 0, 0.000184427],
    [20000, 20000, 0.999815573, 1],
  ];
  it.each(cases)('%i of %i at 95 %% is [%f, %f]', (k, n, lo, hi) => {
    const [l, h] = clopperPearsonInterval(k, n, 0.95);
    expect(l).toBeCloseTo(lo, 9);
    expect(h).toBeCloseTo(hi, 9);
  });

  it('narrows with lower confidence (95 of 100 at 90 %)', () => {
    const [l, h] = clopperPearsonInterval(95, 100, 0.9);
    expect(l).toBeCloseTo(0.8977466224, 9);
    expect(h).toBeCloseTo(0.9800944363, 9);
  });
});
