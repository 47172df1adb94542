import { createRng } from '../core/rng.ts';
import { percentileOfSorted } from './stats.ts';

/**
 * Largest sample whose percentile intervals are bootstrapped. A bootstrap costs a sort per
 * resample (1000 of them); past this size `percentileCi` takes the distribution-free interval
 * from order statistics, which the percentile bootstrap approximates at that size anyway, for
 * the cost of one sort.
 */
export const MAX_BOOTSTRAP_SAMPLES = 20_000;

/** z of a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/**
 * 95% confidence intervals of the percentiles of `samples`: the percentile bootstrap (seeded)
 * up to MAX_BOOTSTRAP_SAMPLES samples, the order-statistic interval beyond. `samples` is left as
 * it is (a large one is sorted in a copy).
 */
export function percentileCi(
  samples: ArrayLike<number>,
  percentiles: readonly number[],
): Array<[number, number]> {
  if (samples.length <= MAX_BOOTSTRAP_SAMPLES) return bootstrapPercentileCi(samples, percentiles);
  return orderStatisticCi(Float64Array.from(samples).sort(), percentiles);
}

/**
 * The distribution-free interval of each percentile from sorted samples: the order statistics
 * whose ranks bound the binomial count of samples below the true quantile (normal approximation,
 * 2.5% on each side). Exact enough for the large samples it is used for.
 */
export function orderStatisticCi(
  sorted: ArrayLike<number>,
  percentiles: readonly number[],
): Array<[number, number]> {
  const n = sorted.length;
  if (n < 2) return percentiles.map(() => [Number.NaN, Number.NaN]);
  return percentiles.map((p) => {
    const q = p / 100;
    const spread = Z95 * Math.sqrt(n * q * (1 - q));
    const lo = Math.min(n - 1, Math.max(0, Math.floor(n * q - spread) - 1));
    const hi = Math.min(n - 1, Math.max(0, Math.ceil(n * q + spread)));
    return [sorted[lo] as number, sorted[hi] as number];
  });
}

/**
 * Percentile bootstrap confidence intervals: resample with replacement, take the percentile of
 * each resample, report the (alpha/2, 1-alpha/2) quantiles of those. Seeded, so the same samples
 * give the same interval.
 */
export function bootstrapPercentileCi(
  samples: ArrayLike<number>,
  percentiles: readonly number[],
  options: { resamples?: number; confidence?: number; seed?: number } = {},
): Array<[number, number]> {
  const n = samples.length;
  if (n < 2) return percentiles.map(() => [Number.NaN, Number.NaN]);
  const resamples = options.resamples ?? (n > 20_000 ? 200 : 1000);
  const alpha = 1 - (options.confidence ?? 0.95);
  const rng = createRng(options.seed ?? 1);
  const estimates = percentiles.map(() => new Float64Array(resamples));
  const draw = new Float64Array(n);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) draw[i] = samples[Math.floor(rng.next() * n)] as number;
    draw.sort();
    percentiles.forEach((p, j) => {
      (estimates[j] as Float64Array)[b] = percentileOfSorted(draw, p);
    });
  }
  return estimates.map((values) => {
    values.sort();
    return [percentileOfSorted(values, (alpha / 2) * 100), percentileOfSorted(values, (1 - alpha / 2) * 100)];
  });
}
