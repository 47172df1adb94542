import { createRng } from '../core/rng.ts';
import { percentileOfSorted } from './stats.ts';

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
