/**
 * A floor under the noise of a tail quantile. The top 10% of a short run's latencies are often one
 * or two queue episodes (a clump of arrivals fills the batch, and everyone in it is slow together):
 * how many episodes a run catches varies between runs, and resampling the blocks of a run that
 * caught one cannot show that (measured on the simulator: block-bootstrap errors of p90 TPOT and
 * E2EL 1.3 to 2 times too small, medians' not). So the count of samples beyond the quantile is
 * taken to be compound Poisson, episodes arriving independently, each bringing c samples: its
 * variance is the i.i.d. one times D = sum(c^2) / sum(c), the dispersion of the episode sizes, and
 * so is the quantile's (Bahadur: the quantile moves with that count).
 */

/** Quantiles from this one up (per mille) get the floor; the median's exceedances are not rare. */
export const TAIL_PERMILLE = 900;

/** D = sum(c^2) / sum(c) over episodes of samples above `threshold`, a gap of more than `gap` ending one. */
export function episodeDispersion(values: ArrayLike<number>, threshold: number, gap: number): number {
  let sumC = 0;
  let sumC2 = 0;
  let size = 0;
  let since = Number.POSITIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    if ((values[i] as number) <= threshold) {
      since++;
      continue;
    }
    if (since > gap && size > 0) {
      sumC += size;
      sumC2 += size * size;
      size = 0;
    }
    size++;
    since = 0;
  }
  sumC += size;
  sumC2 += size * size;
  return sumC === 0 ? 1 : sumC2 / sumC;
}

/**
 * Standard error of log(quantile) for time-ordered `values` (`ordered`: the same, sorted): the
 * distribution-free i.i.d. one (half the log-distance between the order statistics one binomial
 * standard deviation either side of the quantile's rank) times sqrt(D), episodes split by gaps
 * longer than `gap` samples (the block length).
 */
export function episodeStandardError(
  values: ArrayLike<number>,
  ordered: Float64Array,
  permille: number,
  gap: number,
): number {
  const n = ordered.length;
  const p = permille / 1000;
  const spread = Math.sqrt(n * p * (1 - p));
  const lo = ordered[Math.max(0, Math.floor(n * p - spread))] as number;
  const hi = ordered[Math.min(n - 1, Math.ceil(n * p + spread))] as number;
  if (!(lo > 0)) return 0;
  const iid = (Math.log(hi) - Math.log(lo)) / 2;
  const threshold = ordered[Math.min(n - 1, Math.floor(n * p))] as number;
  return iid * Math.sqrt(episodeDispersion(values, threshold, gap));
}
