import { describe, expect, it } from 'vitest';
import { createRng } from '../load/rng.ts';
import { compareSamples } from './compare.ts';
import type { BaselineSamples } from './entry.ts';

/** Log-normal-ish latencies around `scale`, seeded. */
function samples(seed: number, scale: number, n = 300): BaselineSamples {
  const rng = createRng(seed);
  const draw = () => Array.from({ length: n }, () => scale * Math.exp(0.3 * rng.normal()));
  return {
    ttft: draw(),
    tpot: draw(),
    e2el: draw(),
    outputTokensPerSecond: Array.from({ length: 30 }, () => (1000 / scale) * (1 + 0.05 * rng.normal())),
  };
}
const verdictOf = (v: ReturnType<typeof compareSamples>, metric: string) =>
  v.find((x) => x.metric === metric)?.verdict;

describe('baseline comparison (tolerance AND significance)', () => {
  it('two runs of the same distribution are not a regression', () => {
    const v = compareSamples(samples(1, 100), samples(2, 100));
    expect(v.filter((x) => x.verdict !== 'insufficient-samples').every((x) => x.verdict === 'ok')).toBe(true);
    expect(verdictOf(v, 'p90_ttft_ms')).toBe('ok');
  });

  it('a 40% slower server regresses latency and throughput, with CIs', () => {
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
      tolerance: { default: 0.1 },
      minSamples: 20,
      resamples: 500,
    });
    expect(verdictOf(v, 'p50_ttft_ms')).toBe('ok');
  });

  it('a large change on a handful of samples is not judged', () => {
    const v = compareSamples(samples(1, 100, 5), samples(2, 300, 5));
    expect(verdictOf(v, 'p99_ttft_ms')).toBe('insufficient-samples');
  });

  it('judges p99 only with at least 5 samples beyond it (n >= 500), the median sooner', () => {
    const v = compareSamples(samples(1, 100, 100), samples(2, 200, 100));
    expect(verdictOf(v, 'p99_ttft_ms')).toBe('insufficient-samples');
    expect(verdictOf(v, 'p90_ttft_ms')).toBe('regressed');
    expect(verdictOf(v, 'p50_ttft_ms')).toBe('regressed');
    expect(verdictOf(compareSamples(samples(1, 100, 600), samples(2, 200, 600)), 'p99_ttft_ms')).toBe(
      'regressed',
    );
  });
});
