import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import { compareSamples, defaultCompareOptions } from './compare.ts';
import type { BaselineSamples } from './entry.ts';

/**
 * Log-normal latencies around `scale`, seeded, as an AR(1) process in time: `phi` is how strongly a
 * request's latency follows the one before it (queueing), 0 for independent requests.
 */
function series(rng: ReturnType<typeof createRng>, n: number, scale: number, phi: number): number[] {
  let z = rng.normal();
  return Array.from({ length: n }, () => {
    z = phi * z + Math.sqrt(1 - phi * phi) * rng.normal();
    return scale * Math.exp(0.3 * z);
  });
}
function samples(seed: number, scale: number, n = 300, phi = 0): BaselineSamples {
  const rng = createRng(seed);
  return {
    ttft: series(rng, n, scale, phi),
    tpot: series(rng, n, scale, phi),
    e2el: series(rng, n, scale, phi),
    outputTokensPerSecond: series(rng, 50, 1000 / scale, phi).map((x) => x / 10),
    outputBinMs: 100,
  };
}
const verdictOf = (v: ReturnType<typeof compareSamples>, metric: string) =>
  v.find((x) => x.metric === metric)?.verdict;
const strict = { ...defaultCompareOptions, tolerance: { default: 0 }, resamples: 300 };

describe('baseline comparison (tolerance AND significance)', () => {
  it('two runs of the same distribution are not a regression', () => {
    const v = compareSamples(samples(1, 100), samples(2, 100));
    expect(v.filter((x) => x.verdict !== 'insufficient-samples').every((x) => x.verdict === 'ok')).toBe(true);
    expect(verdictOf(v, 'p90_ttft_ms')).toBe('ok');
  });

  it('a 40% slower server regresses latency and throughput, with intervals', () => {
    const v = compareSamples(samples(1, 100), samples(2, 140));
    expect(verdictOf(v, 'p50_ttft_ms')).toBe('regressed');
    expect(verdictOf(v, 'p90_tpot_ms')).toBe('regressed');
    expect(verdictOf(v, 'output_throughput')).toBe('regressed');
    const p50 = v.find((x) => x.metric === 'p50_ttft_ms');
    expect(p50?.change).toBeGreaterThan(0.25);
    expect(p50?.ci?.[0]).toBeGreaterThan(0);
  });

  it('a faster server is an improvement, not a failure', () => {
    const v = compareSamples(samples(1, 100), samples(2, 60));
    expect(verdictOf(v, 'p50_ttft_ms')).toBe('improved');
  });

  it('a change inside the tolerance passes even when significant', () => {
    const v = compareSamples(samples(1, 100, 2000), samples(2, 105, 2000), {
      ...defaultCompareOptions,
      tolerance: { default: 0.1 },
      resamples: 300,
    });
    expect(verdictOf(v, 'p50_ttft_ms')).toBe('ok');
  });

  it('judges p99 only with at least 5 samples beyond it (n >= 500), p90 from exactly 50', () => {
    const v = compareSamples(samples(1, 100, 100), samples(2, 200, 100));
    expect(verdictOf(v, 'p99_ttft_ms')).toBe('insufficient-samples');
    expect(v.find((x) => x.metric === 'p99_ttft_ms')?.note).toBe(
      'not judged: p99_ttft_ms needs >= 500 requests (this run: 100)',
    );
    expect(verdictOf(v, 'p90_ttft_ms')).toBe('regressed');
    expect(verdictOf(v, 'p50_ttft_ms')).toBe('regressed');
    // 50 * (1 - 0.9) is 4.999999999999999 in floating point; the integer rule judges it.
    expect(verdictOf(compareSamples(samples(1, 100, 50), samples(2, 200, 50)), 'p90_ttft_ms')).toBe(
      'regressed',
    );
    expect(verdictOf(compareSamples(samples(1, 100, 49), samples(2, 200, 49)), 'p90_ttft_ms')).toBe(
      'insufficient-samples',
    );
    expect(verdictOf(compareSamples(samples(1, 100, 500), samples(2, 200, 500)), 'p99_ttft_ms')).toBe(
      'regressed',
    );
  });

  it('says which side is short, and that a baseline without throughput bins needs re-recording', () => {
    const old = { ...samples(1, 100, 40), outputTokensPerSecond: [], outputBinMs: 1000 };
    const v = compareSamples(old, samples(2, 100, 600));
    expect(v.find((x) => x.metric === 'p90_ttft_ms')?.note).toBe(
      'not judged: p90_ttft_ms needs >= 50 requests (baseline: 40, this run: 600)',
    );
    expect(v.find((x) => x.metric === 'output_throughput')?.note).toMatch(
      /^not judged: output_throughput needs >= 20 throughput bins.*\(baseline: 0, this run: 50\); re-record the baseline with `npx vitest run -u`$/,
    );
  });

  it('stays calibrated when requests follow each other (queueing): the i.i.d. bootstrap did not', () => {
    // Same server, different runs, strongly autocorrelated latencies: a 95% interval should exclude
    // zero in about 5% of comparisons. An i.i.d. resample of these runs excludes it far more often.
    let excluded = 0;
    let judged = 0;
    for (let t = 0; t < 40; t++) {
      for (const v of compareSamples(
        samples(2 * t, 100, 300, 0.8),
        samples(2 * t + 1, 100, 300, 0.8),
        strict,
      )) {
        if (v.metric !== 'p50_ttft_ms' && v.metric !== 'p50_tpot_ms') continue;
        judged++;
        if (v.ci && (v.ci[0] > 0 || v.ci[1] < 0)) excluded++;
      }
    }
    expect(judged).toBe(80);
    expect(excluded / judged).toBeLessThan(0.12);
  });
});
