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
        (((((((2509.0809287301227 * r + 33430.57558358813) * r + 67265.7709270087) * r + 45921.95393154987) *
          r +
          13731.69376550946) *
          r +
          1971.5909503065513) *
          r +
          133.14166789178438) *
          r +
          3.3871328727963665)) /
      (((((((5226.495278852546 * r + 28729.085735721943) * r + 39307.89580009271) * r + 21213.794301586597) *
        r +
        5394.196021424751) *
        r +
        687.1870074920579) *
        r +
        42.31333070160091) *
        r +
        1)
    );
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let x: number;
  if (r <= 5) {
    r -= 1.6;
    x =
      (((((((0.0007745450142783414 * r + 0.022723844989269184) * r + 0.2417807251774506) * r +
        1.2704582524523684) *
        r +
        3.6478483247632045) *
        r +
        5.769497221460691) *
        r +
        4.630337846156546) *
        r +
        1.4234371107496835) /
      (((((((1.0507500716444169e-9 * r + 0.0005475938084995345) * r + 0.015198666563616457) * r +
        0.14810397642748008) *
        r +
        0.6897673349851) *
        r +
        1.6763848301838038) *
        r +
        2.053191626637759) *
        r +
        1);
  } else {
    r -= 5;
    x =
      (((((((2.0103343992922881e-7 * r + 0.000027115555687434876) * r + 0.0012426609473880784) * r +
        0.026532189526576124) *
        r +
        0.29656057182850487) *
        r +
        1.7848265399172913) *
        r +
        5.463784911164114) *
        r +
        6.657904643501103) /
      (((((((2.0442631033899397e-15 * r + 1.421511758316446e-7) * r + 0.000018463183175100548) * r +
        0.0007868691311456133) *
        r +
        0.014875361290850615) *
        r +
        0.1369298809227358) *
        r +
        0.599832206555888) *
        r +
        1);
  }
  return q < 0 ? -x : x;
}

function checkShare(k: number, n: number, confidence: number, integers: boolean): void {
  if (!(n > 0) || (integers && !Number.isInteger(n)))
    throw new RangeError(`a share needs n > 0 requests, got ${n}`);
  // Fractional counts come from scaling (k * nEff / n): allow their rounding dust past n.
  if (!(k >= 0 && k <= n * (1 + 1e-12)) || (integers && !Number.isInteger(k))) {
    throw new RangeError(`k must be ${integers ? 'an integer ' : ''}in [0, ${n}], got ${k}`);
  }
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
}

/**
 * Wilson score interval for k of n at a two-sided `confidence`. k and n may be fractional: an
 * effective sample size (effective-size.ts) with k scaled to keep the share.
 */
export function wilsonInterval(k: number, n: number, confidence: number): [number, number] {
  checkShare(k, n, confidence, false);
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const z2 = z * z;
  const p = Math.min(1, k / n);
  const denominator = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At k = 0 or n the bound is exactly 0 or 1; rounding must not push it past.
  return [k <= 0 ? 0 : Math.max(0, center - half), k >= n ? 1 : Math.min(1, center + half)];
}

/** log Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: ~1e-15 relative). */
function logGamma(x: number): number {
  const c = [
    0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406,
    12.507343278686905, -0.13857109526572012, 0.000009984369578019572, 1.5056327351493116e-7,
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
  checkShare(k, n, confidence, true);
  const tail = (1 - confidence) / 2;
  // Lower bound: P(X >= k | p) = tail; upper bound: P(X <= k | p) = tail. Closed forms at the ends.
  const lower =
    k === 0 ? 0 : k === n ? tail ** (1 / n) : bisectDecreasing((p) => binomialCdf(k - 1, n, p), 1 - tail);
  const upper =
    k === n ? 1 : k === 0 ? 1 - tail ** (1 / n) : bisectDecreasing((p) => binomialCdf(k, n, p), tail);
  return [lower, upper];
}
