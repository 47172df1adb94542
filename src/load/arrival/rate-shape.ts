/**
 * The deterministic part of an arrival process: how the request rate varies over time.
 * Arrivals are placed by time rescaling: if E_k are the arrival "counts" of a unit-rate process,
 * the k-th request is sent at Λ⁻¹(E_k), where Λ(t) = ∫ rate is the cumulative intensity.
 * Rates are requests per second; times are seconds.
 */
export interface RateShape {
  /** Time (s) at which the cumulative intensity reaches `count`. */
  inverseCumulative(count: number): number;
}

export function constantRate(rate: number): RateShape {
  return { inverseCumulative: (count) => count / rate };
}

/**
 * Piecewise-constant rate: each step lasts `durationS`, the last one holds forever. A step at rate
 * 0 is a pause: nothing is sent in it (the profile schema keeps the last step above 0).
 */
export function stepRates(steps: ReadonlyArray<{ rate: number; durationS: number }>): RateShape {
  return {
    inverseCumulative(count) {
      let t = 0;
      let remaining = count;
      for (let i = 0; i < steps.length; i++) {
        const { rate, durationS } = steps[i] as { rate: number; durationS: number };
        const isLast = i === steps.length - 1;
        if (rate > 0 && (isLast || remaining <= rate * durationS)) return t + remaining / rate;
        if (isLast) return Number.POSITIVE_INFINITY;
        remaining -= rate * durationS;
        t += durationS;
      }
      return t;
    },
  };
}

/** Rate rising linearly from `start` to `end` over `durationS`, then holding at `end`. */
export function linearRamp(start: number, end: number, durationS: number): RateShape {
  const slope = (end - start) / durationS;
  const total = ((start + end) / 2) * durationS;
  return {
    inverseCumulative(count) {
      if (count >= total) return durationS + (count - total) / end;
      if (Math.abs(slope) < 1e-12) return count / start;
      // start*t + slope*t^2/2 = count
      return (-start + Math.sqrt(start * start + 2 * slope * count)) / slope;
    },
  };
}

/** Rate growing geometrically from `start` to `end` over `durationS`, then holding at `end`. */
export function exponentialRamp(start: number, end: number, durationS: number): RateShape {
  const k = Math.log(end / start) / durationS;
  if (Math.abs(k) < 1e-12) return constantRate(start);
  const total = (start / k) * (Math.exp(k * durationS) - 1);
  return {
    inverseCumulative(count) {
      if (count >= total) return durationS + (count - total) / end;
      return Math.log(1 + (count * k) / start) / k;
    },
  };
}
