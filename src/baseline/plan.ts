import { DEFAULT_MIN_SAMPLES, type GateMetric, gateMetrics, samplesNeeded } from './gate-metrics.ts';
import { MIN_BIN_MS } from './samples.ts';

/** Whether a run of some size can judge one gated metric, and what it needs. */
export interface GatePlanEntry {
  metric: string;
  judged: boolean;
  /** Fewest requests (successful, and with more than one output token for TPOT) that judge it. */
  needsRequests: number;
  /** Also needed, and only known once the run is done (output throughput's steady part). */
  alsoNeeds?: string;
}

export interface GatePlan {
  requests: number;
  entries: GatePlanEntry[];
  /** Names of the metrics a run of this size judges. */
  judged: string[];
  /** One line per metric it cannot, e.g. "p99_ttft_ms needs >= 500 requests (this run: 150)". */
  notJudged: string[];
}

const throughputNeeds = (bins: number) =>
  `${bins} throughput bins, i.e. >= ${(bins * MIN_BIN_MS) / 1000} s from the first finished request to the last sent one`;

/**
 * Which gated metrics a run of `requests` requests can judge, decided before it runs: a quantile
 * needs MIN_TAIL_SAMPLES samples beyond it (p90: 50 requests, p99: 500), every metric at least
 * `minSamples`. Call it in a suite to size the load: `gatePlan(150).notJudged`.
 */
export function gatePlan(
  requests: number,
  options: { minSamples: number } = { minSamples: DEFAULT_MIN_SAMPLES },
): GatePlan {
  const entries = gateMetrics.map((metric): GatePlanEntry => {
    const needsRequests = samplesNeeded(metric, options.minSamples);
    const entry: GatePlanEntry = { metric: metric.name, judged: requests >= needsRequests, needsRequests };
    if (metric.permille === null) entry.alsoNeeds = throughputNeeds(options.minSamples);
    return entry;
  });
  return {
    requests,
    entries,
    judged: entries.filter((e) => e.judged).map((e) => e.metric),
    notJudged: entries
      .filter((e) => !e.judged)
      .map((e) => `${e.metric} needs >= ${e.needsRequests} requests (this run: ${requests})`),
  };
}

/** Why a metric was not judged after the run, in the words gatePlan uses before it. */
export function notJudgedNote(
  metric: GateMetric,
  needed: number,
  have: { baseline: number; current: number },
): string {
  const counts =
    have.baseline < needed && have.baseline !== have.current
      ? `baseline: ${have.baseline}, this run: ${have.current}`
      : `this run: ${have.current}`;
  if (metric.permille === null) {
    const rerecord = have.baseline === 0 ? '; re-record the baseline with `npx vitest run -u`' : '';
    return `not judged: ${metric.name} needs >= ${throughputNeeds(needed)} (${counts})${rerecord}`;
  }
  return `not judged: ${metric.name} needs >= ${needed} requests (${counts})`;
}
