/**
 * Two-sided confidence intervals for a share (k successes of n). Wilson's score interval judges
 * attainment and error rate (as GuideLLM does); the exact Clopper-Pearson interval judges a
 * percentile objective, whose share sits near 1 (p99) where Wilson is too narrow for small k.
 */

/** Standard normal quantile (Wichura's AS241, PPND16: ~1e-16 relative error). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (
      (q *
        (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r +
          45921.953931549871457) *
          r +
          13731.693765509461125) *
          r +
          1971.5909503065514427) *
          r +
          133.14166789178437745) *
          r +
          3.387132872796366608)) /
      (((((((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061) * r +
        21213.794301586595867) *
        r +
        5394.1960214247511077) *
        r +
        687.1870074920579083) *
        r +
        42.313330701600911252) *
        r +
        1)
    );
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let x: number;
  if (r <= 5) {
    r -= 1.6;
    x =
      (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r +
        1.27045825245236838258) *
        r +
        3.64784832476320460504) *
        r +
        5.7694972214606914055) *
        r +
        4.6303378461565452959) *
        r +
        1.42343711074968357734) /
      (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r +
        0.14810397642748007459) *
        r +
        0.68976733498510000455) *
        r +
        1.6763848301838038494) *
        r +
        2.05319162663775882187) *
        r +
        1);
  } else {
    r -= 5;
    x =
      (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r +
        0.026532189526576123093) *
        r +
        0.29656057182850489123) *
        r +
        1.7848265399172913358) *
        r +
        5.4637849111641143699) *
        r +
        6.6579046435011037772) /
      (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r +
        7.868691311456132591e-4) *
        r +
        0.0148753612908506148525) *
        r +
        0.13692988092273580531) *
        r +
        0.59983220655588793769) *
        r +
        1);
  }
  return q < 0 ? -x : x;
}

function checkShare(k: number, n: number, confidence: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`a share needs n >= 1 requests, got ${n}`);
  if (!Number.isInteger(k) || k < 0 || k > n)
    throw new RangeError(`k must be an integer in [0, ${n}], got ${k}`);
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
}

/** Wilson score interval for k of n at a two-sided `confidence`. */
export function wilsonInterval(k: number, n: number, confidence: number): [number, number] {
  checkShare(k, n, confidence);
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const z2 = z * z;
  const p = k / n;
  const denominator = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At k = 0 or n the bound is exactly 0 or 1; rounding must not push it past.
  return [k === 0 ? 0 : Math.max(0, center - half), k === n ? 1 : Math.min(1, center + half)];
}

/** log Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: ~1e-15 relative). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let a = c[0] as number;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * P(X <= k) for X ~ Binomial(n, p), summed in log space from k downwards (the terms are
 * computed by their ratio, so n in the tens of thousands neither overflows nor underflows).
 */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n || p <= 0) return 1;
  if (p >= 1) return 0;
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  let logTerm = logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * logP + (n - k) * logQ;
  // Sum relative to the first term's scale; rescale if a later term is larger.
  let scale = logTerm;
  let sum = 1;
  for (let j = k; j > 0; j--) {
    // pmf(j-1) / pmf(j) = j / (n - j + 1) * q / p
    logTerm += Math.log(j / (n - j + 1)) + logQ - logP;
    if (logTerm > scale) {
      sum = sum * Math.exp(scale - logTerm) + 1;
      scale = logTerm;
    } else {
      const term = Math.exp(logTerm - scale);
      sum += term;
      // Past the mode the terms only shrink (geometrically); stop once they no longer count.
      if (term < 1e-17 * sum && j - 1 < n * p) break;
    }
  }
  return Math.min(1, Math.exp(scale + Math.log(sum)));
}

/** The p in [0, 1] where the decreasing function f(p) crosses `target`, by bisection. */
function bisectDecreasing(f: (p: number) => number, target: number): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * Math.max(lo, 1e-300); i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) > target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Exact (Clopper-Pearson) interval for k of n at a two-sided `confidence`. */
export function clopperPearsonInterval(k: number, n: number, confidence: number): [number, number] {
  checkShare(k, n, confidence);
  const tail = (1 - confidence) / 2;
  // Lower bound: P(X >= k | p) = tail; upper bound: P(X <= k | p) = tail. Closed forms at the ends.
  const lower =
    k === 0 ? 0 : k === n ? tail ** (1 / n) : bisectDecreasing((p) => binomialCdf(k - 1, n, p), 1 - tail);
  const upper =
    k === n ? 1 : k === 0 ? 1 - tail ** (1 / n) : bisectDecreasing((p) => binomialCdf(k, n, p), tail);
  return [lower, upper];
}
