import { describe, expect, it } from 'vitest';
import { findKnee } from './knee.ts';

describe('findKnee, request rate', () => {
  it('interpolates where throughput / offered crosses 0.95', () => {
    const knee = findKnee('request-rate', [
      { load: 100, throughput: 99, offered: 100 }, // 0.99
      { load: 50, throughput: 50, offered: 50 },
      { load: 200, throughput: 150, offered: 200 }, // 0.75
    ]);
    // 0.99 -> 0.75 between 100 and 200: 0.95 is a sixth of the way.
    expect(knee).toBeCloseTo(100 + (0.04 / 0.24) * 100, 9);
  });

  it('uses the achieved offered rate, and averages probes at one load', () => {
    // The client offered only 15 req/s at load 20 and all of it was served: no knee.
    const knee = findKnee('request-rate', [
      { load: 10, throughput: 10, offered: 10 },
      { load: 20, throughput: 15, offered: 15 },
    ]);
    expect(knee).toBeNull();
    // Averaged at load 20: 15 of 20 offered (0.75).
    expect(
      findKnee('request-rate', [
        { load: 10, throughput: 10, offered: 10 },
        { load: 20, throughput: 14, offered: 19 },
        { load: 20, throughput: 16, offered: 21 },
      ]),
    ).toBeCloseTo(10 + (0.05 / 0.25) * 10, 9);
  });

  it('is null when the server keeps up everywhere or is past the knee at the lowest load', () => {
    expect(findKnee('request-rate', [{ load: 10, throughput: 10, offered: 10 }])).toBeNull();
    expect(
      findKnee('request-rate', [
        { load: 10, throughput: 5, offered: 10 },
        { load: 20, throughput: 5, offered: 20 },
      ]),
    ).toBeNull();
  });
});

describe('findKnee, concurrency', () => {
  it('finds where throughput falls below 90 % of linear scaling from the lowest probe', () => {
    const knee = findKnee('concurrency', [
      { load: 1, throughput: 10, offered: null },
      { load: 2, throughput: 20, offered: null }, // 1.0
      { load: 4, throughput: 36, offered: null }, // 0.9: not below
      { load: 8, throughput: 40, offered: null }, // 0.5
    ]);
    expect(knee).toBeCloseTo(4, 9);
    expect(
      findKnee('concurrency', [
        { load: 1, throughput: 10, offered: null },
        { load: 8, throughput: 80, offered: null },
      ]),
    ).toBeNull();
  });
});
