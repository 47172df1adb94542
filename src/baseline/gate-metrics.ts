import type { Verdict } from '../report/schema.ts';

/** The sample sets a baseline keeps; each gated metric is a statistic of one of them. */
export type SampleSet = 'ttft' | 'tpot' | 'e2el' | 'outputTokensPerSecond';

/**
 * A gated metric. `permille` is the quantile in thousandths (990 = p99), an integer so that the
 * tail count is exact: `1 - 0.9` is 0.09999999999999998 in floating point, which once made p90
 * need 51 samples instead of 50. Null is the mean.
 */
export interface GateMetric {
  readonly name: string;
  readonly samples: SampleSet;
  readonly permille: number | null;
  readonly direction: Verdict['direction'];
}

/**
 * A quantile is judged only with at least this many samples beyond it on its thin side: a bootstrap
 * of p99 over 40 samples pretends to a precision it does not have.
 */
export const MIN_TAIL_SAMPLES = 5;

/** Fewest samples (requests, or throughput bins) any metric is judged on. */
export const DEFAULT_MIN_SAMPLES = 20;

const latency = (name: string, samples: SampleSet, permille: number): GateMetric => ({
  name,
  samples,
  permille,
  direction: 'lower-is-better',
});

export const gateMetrics: readonly GateMetric[] = [
  latency('p50_ttft_ms', 'ttft', 500),
  latency('p90_ttft_ms', 'ttft', 900),
  latency('p99_ttft_ms', 'ttft', 990),
  latency('p50_tpot_ms', 'tpot', 500),
  latency('p90_tpot_ms', 'tpot', 900),
  latency('p99_tpot_ms', 'tpot', 990),
  latency('p90_e2el_ms', 'e2el', 900),
  latency('p99_e2el_ms', 'e2el', 990),
  // Mean of per-bin rates over the steady part of the run: tokens in it / its length.
  {
    name: 'output_throughput',
    samples: 'outputTokensPerSecond',
    permille: null,
    direction: 'higher-is-better',
  },
];

/** Fewest samples that can judge `metric`: `minSamples`, and MIN_TAIL_SAMPLES beyond a quantile. */
export function samplesNeeded(metric: GateMetric, minSamples: number): number {
  if (metric.permille === null) return minSamples;
  const thin = Math.min(metric.permille, 1000 - metric.permille);
  // Integer ceiling of MIN_TAIL_SAMPLES / (thin / 1000): exact, no floating-point share.
  return Math.max(minSamples, Math.ceil((MIN_TAIL_SAMPLES * 1000) / thin));
}
