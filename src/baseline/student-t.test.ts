import { describe, expect, it } from 'vitest';
import { studentTCdf, studentTQuantile } from './student-t.ts';

describe("Student's t", () => {
  it('matches tabulated quantiles', () => {
    // Two-sided 95% and 99% critical values from standard tables.
    const table: [number, number, number][] = [
      [0.975, 1, 12.7062],
      [0.975, 2, 4.3027],
      [0.975, 5, 2.5706],
      [0.975, 10, 2.2281],
      [0.975, 30, 2.0423],
      [0.995, 3, 5.8409],
      [0.995, 20, 2.8453],
      [0.975, 1e6, 1.96],
    ];
    for (const [p, df, t] of table) expect(studentTQuantile(p, df)).toBeCloseTo(t, 3);
  });

  it('is symmetric, monotone in df, and inverts the CDF for fractional df', () => {
    expect(studentTQuantile(0.025, 7)).toBeCloseTo(-studentTQuantile(0.975, 7), 10);
    expect(studentTQuantile(0.975, 3.5)).toBeLessThan(studentTQuantile(0.975, 3));
    expect(studentTQuantile(0.975, 3.5)).toBeGreaterThan(studentTQuantile(0.975, 4));
    expect(studentTCdf(studentTQuantile(0.9, 6.3), 6.3)).toBeCloseTo(0.9, 9);
    expect(studentTCdf(0, 4)).toBeCloseTo(0.5, 12);
  });

  it('rejects what has no quantile', () => {
    expect(() => studentTQuantile(1, 5)).toThrow(RangeError);
    expect(() => studentTQuantile(0.5, 0)).toThrow(RangeError);
  });
});
