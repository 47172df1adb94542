import { createRng } from '../load/rng.ts';
import { mean, percentileOfSorted, sorted } from '../metrics/stats.ts';
import type { Verdict } from '../report/schema.ts';
import type { BaselineSamples } from './entry.ts';

/**
 * A gated metric: a statistic of one sample set, and which way is worse. `tailShare` is the
 * share of samples beyond a quantile (0.01 for p99): a quantile is judged only when at least
 * MIN_TAIL_SAMPLES samples lie beyond it on both sides, since a bootstrap of p99 over 40
 * samples pretends to a precision it does not have.
 */
export interface GateMetric {
  name: string;
  samples: keyof BaselineSamples;
  statistic: (values: Float64Array) => number;
  tailShare: number;
  direction: Verdict['direction'];
}

const p = (q: number) => ({
  statistic: (values: Float64Array) => percentileOfSorted(values, q),
  tailShare: 1 - q / 100,
});
const MIN_TAIL_SAMPLES = 5;

export const gateMetrics: readonly GateMetric[] = [
  { name: 'p50_ttft_ms', samples: 'ttft', ...p(50), direction: 'lower-is-better' },
  { name: 'p90_ttft_ms', samples: 'ttft', ...p(90), direction: 'lower-is-better' },
  { name: 'p99_ttft_ms', samples: 'ttft', ...p(99), direction: 'lower-is-better' },
  { name: 'p50_tpot_ms', samples: 'tpot', ...p(50), direction: 'lower-is-better' },
  { name: 'p90_tpot_ms', samples: 'tpot', ...p(90), direction: 'lower-is-better' },
  { name: 'p99_tpot_ms', samples: 'tpot', ...p(99), direction: 'lower-is-better' },
  { name: 'p90_e2el_ms', samples: 'e2el', ...p(90), direction: 'lower-is-better' },
  { name: 'p99_e2el_ms', samples: 'e2el', ...p(99), direction: 'lower-is-better' },
  {
    name: 'output_throughput',
    samples: 'outputTokensPerSecond',
    statistic: (v) => mean(v),
    tailShare: 0.5,
    direction: 'higher-is-better',
  },
];

export interface CompareOptions {
  /** Relative change allowed before a metric can regress, per metric name, with a default. */
  tolerance: { default: number } & Record<string, number>;
  /** Below this many samples on either side a metric is not judged. */
  minSamples: number;
  resamples: number;
}

export const defaultCompareOptions: CompareOptions = {
  tolerance: { default: 0.1 },
  minSamples: 20,
  resamples: 1000,
};

/**
 * Compares a run with its baseline, metric by metric. A metric regresses only when its change
 * is worse than the tolerance AND the 95% bootstrap CI of the change excludes zero: one number
 * against one number is noise, not a gate.
 */
export function compareSamples(
  baseline: BaselineSamples,
  current: BaselineSamples,
  options: CompareOptions = defaultCompareOptions,
): Verdict[] {
  const rng = createRng(20_251_125);
  return gateMetrics.map((metric) => {
    const base = sorted(baseline[metric.samples]);
    const cur = sorted(current[metric.samples]);
    const tolerance = options.tolerance[metric.name] ?? options.tolerance.default;
    const b = metric.statistic(base);
    const c = metric.statistic(cur);
    const change = b === 0 ? 0 : (c - b) / b;
    const verdict: Verdict = {
      metric: metric.name,
      direction: metric.direction,
      baseline: b,
      current: c,
      change,
      ci: null,
      tolerance,
      verdict: 'insufficient-samples',
    };
    const enough = (n: number) => n >= options.minSamples && n * metric.tailShare >= MIN_TAIL_SAMPLES;
    if (!enough(base.length) || !enough(cur.length) || b === 0) return verdict;
    const changes = new Float64Array(options.resamples);
    const drawB = new Float64Array(base.length);
    const drawC = new Float64Array(cur.length);
    for (let i = 0; i < options.resamples; i++) {
      resample(base, drawB, rng);
      resample(cur, drawC, rng);
      const rb = metric.statistic(drawB.sort());
      changes[i] = rb === 0 ? 0 : (metric.statistic(drawC.sort()) - rb) / rb;
    }
    changes.sort();
    const ci: [number, number] = [percentileOfSorted(changes, 2.5), percentileOfSorted(changes, 97.5)];
    // Express "worse" as a positive number whichever way the metric points.
    const sign = metric.direction === 'lower-is-better' ? 1 : -1;
    const worse = sign * change;
    const significant = ci[0] > 0 || ci[1] < 0;
    verdict.ci = ci;
    verdict.verdict =
      significant && worse > tolerance ? 'regressed' : significant && -worse > tolerance ? 'improved' : 'ok';
    return verdict;
  });
}

function resample(from: Float64Array, into: Float64Array, rng: ReturnType<typeof createRng>): void {
  const n = from.length;
  for (let i = 0; i < into.length; i++) into[i] = from[Math.floor(rng.next() * n)] as number;
}
