import type { Rng } from '../core/rng.ts';

/**
 * The circular block bootstrap (Politis & Romano 1992) for a run's time-ordered samples.
 *
 * Requests of one run are not independent: a queue that builds up makes a stretch of requests slow
 * together, so an i.i.d. resample of them understates how much the statistic differs between two
 * runs, and the gate false-alarms. Resampling blocks of consecutive samples keeps that dependence;
 * wrapping around the end gives every sample the same weight. The block length comes from the data
 * (below), never shorter than n^(1/3), the textbook rate, as a floor where correlation is too weak to
 * test.
 */

/** Autocovariances R(0..maxLag) of x (divided by n, as the block-length theory assumes). */
function autocovariances(x: ArrayLike<number>, maxLag: number): Float64Array {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i] as number;
  mean /= n;
  const out = new Float64Array(maxLag + 1);
  for (let k = 0; k <= maxLag; k++) {
    let s = 0;
    for (let i = 0; i + k < n; i++) s += ((x[i] as number) - mean) * ((x[i + k] as number) - mean);
    out[k] = s / n;
  }
  return out;
}

/** Ranks 0..n-1 (ties by position): autocorrelation of ranks is not driven by one outlier. */
function ranks(x: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: x.length }, (_, i) => i).sort(
    (a, b) => (x[a] as number) - (x[b] as number) || a - b,
  );
  const out = new Float64Array(x.length);
  order.forEach((index, rank) => {
    out[index] = rank;
  });
  return out;
}

/** Flat-top lag window of Politis & Romano (1995). */
const flatTop = (t: number) => {
  const a = Math.abs(t);
  return a <= 0.5 ? 1 : a <= 1 ? 2 * (1 - a) : 0;
};

/**
 * Block length for the circular block bootstrap of a time-ordered series: the automatic choice of
 * Politis & White (2004) with the correction of Patton, Politis & White (2009), on the ranks of the
 * series, between ceil(n^(1/3)) and min(3 sqrt(n), n/3) (their cap, so at least three blocks remain).
 */
export function blockLength(series: ArrayLike<number>): number {
  const n = series.length;
  if (n < 4) return 1;
  const floor = Math.ceil(Math.cbrt(n));
  const cap = Math.max(1, Math.floor(Math.min(3 * Math.sqrt(n), n / 3)));
  const kn = Math.max(5, Math.ceil(Math.sqrt(Math.log10(n))));
  const maxLag = Math.min(n - 1, Math.ceil(Math.sqrt(n)) + kn);
  const acv = autocovariances(ranks(series), maxLag);
  const r0 = acv[0] as number;
  if (r0 <= 0) return Math.min(floor, cap);
  // The first lag after which kn autocorrelations in a row are insignificant.
  const threshold = 2 * Math.sqrt(Math.log10(n) / n);
  const insignificant = (k: number) => k > maxLag || Math.abs((acv[k] as number) / r0) < threshold;
  let mHat = -1;
  for (let m = 0; m <= maxLag - 1 && mHat < 0; m++) {
    let quiet = true;
    for (let j = 1; j <= kn && quiet; j++) quiet = insignificant(m + j);
    if (quiet) mHat = m;
  }
  if (mHat < 0) mHat = maxLag;
  const M = Math.min(2 * mHat, maxLag);
  let optimal = 1;
  if (M > 0) {
    let g = 0;
    let spectrum = 0;
    for (let k = -M; k <= M; k++) {
      const w = flatTop(k / M) * (acv[Math.abs(k)] as number);
      g += w * Math.abs(k);
      spectrum += w;
    }
    const dCircular = (4 / 3) * spectrum * spectrum;
    if (dCircular > 0) optimal = Math.cbrt((2 * g * g) / dCircular) * Math.cbrt(n);
  }
  return Math.min(cap, Math.max(floor, Math.ceil(optimal)));
}

/** Fills `into` with a circular block resample of `from` (blocks of `length`, random starts). */
export function circularBlockResample(
  from: ArrayLike<number>,
  into: Float64Array,
  length: number,
  rng: Rng,
): void {
  const n = from.length;
  for (let i = 0; i < into.length; ) {
    const start = Math.floor(rng.next() * n);
    for (let j = 0; j < length && i < into.length; j++, i++) into[i] = from[(start + j) % n] as number;
  }
}
