/**
 * Statistics with numpy's definitions, so our numbers equal `vllm bench serve`'s on the same
 * samples: population standard deviation (ddof=0) and percentiles by linear interpolation
 * (numpy's default method). Empty input gives 0, as vLLM's `np.mean(x or 0)` does.
 */
export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return sum / values.length;
}

export function std(values: ArrayLike<number>): number {
  if (values.length === 0) return 0;
  const m = mean(values);
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += ((values[i] as number) - m) ** 2;
  return Math.sqrt(sq / values.length);
}

/** Ascending copy as a Float64Array (numeric sort without a comparator). */
export function sorted(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** Percentile p in [0, 100] of already sorted values, numpy 'linear' method. */
export function percentileOfSorted(sortedValues: ArrayLike<number>, p: number): number {
  const n = sortedValues.length;
  if (n === 0) return 0;
  const rank = (p / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, n - 1);
  const low = sortedValues[lo] as number;
  return low + (rank - lo) * ((sortedValues[hi] as number) - low);
}

export function percentile(values: ArrayLike<number>, p: number): number {
  return percentileOfSorted(sorted(values), p);
}

export function median(values: ArrayLike<number>): number {
  return percentile(values, 50);
}
