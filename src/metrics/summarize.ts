import { bootstrapPercentileCi } from './bootstrap.ts';
import { latenessReasons } from './client-check.ts';
import { perTokenItl, requestLatencies } from './per-request.ts';
import type { RequestRecord } from './record.ts';
import { mean, percentileOfSorted, sorted, std } from './stats.ts';

export const latencyMetrics = ['ttft', 'tpot', 'itl', 'e2el'] as const;
export type LatencyMetric = (typeof latencyMetrics)[number];

/** SLO thresholds in ms for goodput, as vLLM's `--goodput ttft:200 tpot:50`. */
export type GoodputSlo = Partial<Record<'ttft' | 'tpot' | 'e2el', number>>;

export interface SummaryOptions {
  percentiles?: readonly number[];
  /** Metrics that get mean/median/std/pNN keys (vLLM's `--percentile-metrics`). */
  metrics?: readonly LatencyMetric[];
  goodput?: GoodputSlo;
  /** Send lateness (ms) allowed at the judged quantile (p99, or lower for short runs: client-check.ts). */
  maxLatenessP99Ms?: number;
  /** A run with a larger share of failed requests is invalid. */
  maxFailureRate?: number;
  /** A closed-loop run (users, no arrival process) offers no rate: `offered_rate` is null. */
  closedLoop?: boolean;
}

/** Fewer samples than this give no confidence interval: a bootstrap of a handful means little. */
const MIN_CI_SAMPLES = 10;

export const defaultPercentiles = [50, 90, 95, 99, 99.9] as const;
export const defaultSummaryOptions = {
  maxLatenessP99Ms: 10,
  maxFailureRate: 0.1,
} as const;

/**
 * The result of a run. Keys without a prefix note are vLLM bench's, with its meanings
 * (`completed`, `request_throughput`, `p99_ttft_ms`, ...); our extensions are documented in
 * docs/metrics.md (`queued_*`, `token_itl`, `offered_rate`, `ci95`, `failures`, `client_*`, `valid`).
 */
export type BenchmarkSummary = {
  completed: number;
  failed: number;
  total_input_tokens: number;
  total_output_tokens: number;
  duration: number;
  request_throughput: number;
  output_throughput: number;
  total_token_throughput: number;
  request_goodput: number | null;
  /** Ours: the rate the sends actually went out at (req/s); null for closed loop or under 2 sends. */
  offered_rate: number | null;
  max_output_tokens_per_s: number;
  max_concurrent_requests: number;
  failures: Record<string, number>;
  ci95: Record<string, [number, number]>;
  client_lateness_p99_ms: number;
  client_lateness_max_ms: number;
  valid: boolean;
  invalid_reasons: string[];
} & Record<string, unknown>;

/** vLLM's key spelling: 99 -> "p99", 99.9 -> "p99.9". */
export const percentileKey = (p: number) => `p${Number.isInteger(p) ? p.toFixed(0) : String(p)}`;

/**
 * Summarizes the records of one whole run (times from its time zero, warm-up flagged); a subset
 * would count its duration from the run's start.
 */
export function summarize(all: readonly RequestRecord[], options: SummaryOptions = {}): BenchmarkSummary {
  const percentiles = options.percentiles ?? defaultPercentiles;
  const metrics = options.metrics ?? latencyMetrics;
  const records = all.filter((r) => !r.warmup);
  const ok = records.filter((r) => r.ok);
  const lat = ok.map(requestLatencies);

  // vLLM's duration starts with its arrival process (benchmark_start_time), before the first
  // request's delay: here the run's time zero. After warm-up requests, the measured part starts
  // at its first scheduled send.
  const firstScheduled = Math.min(...records.map((r) => r.scheduled_ms));
  const start = records.length === all.length ? Math.min(0, firstScheduled) : firstScheduled;
  const end = Math.max(...records.map((r) => r.end_ms));
  const durationS = records.length > 0 ? (end - start) / 1000 : 0;
  const perSecond = (x: number) => (durationS > 0 ? x / durationS : 0);

  const totalInput = ok.reduce((s, r) => s + r.prompt_tokens, 0);
  const totalOutput = ok.reduce((s, r) => s + r.output_tokens, 0);
  const samples: Record<LatencyMetric | 'queued_ttft' | 'queued_e2el' | 'token_itl', number[]> = {
    ttft: lat.map((l) => l.ttft),
    tpot: lat.filter((_, i) => (ok[i] as RequestRecord).output_tokens > 1).map((l) => l.tpot),
    itl: lat.flatMap((l) => l.itl),
    e2el: lat.map((l) => l.e2el),
    queued_ttft: lat.map((l) => l.queuedTtft),
    queued_e2el: lat.map((l) => l.queuedE2el),
    token_itl: ok.flatMap(perTokenItl),
  };

  const summary: BenchmarkSummary = {
    completed: ok.length,
    failed: records.length - ok.length,
    total_input_tokens: totalInput,
    total_output_tokens: totalOutput,
    duration: durationS,
    request_throughput: perSecond(ok.length),
    output_throughput: perSecond(totalOutput),
    total_token_throughput: perSecond(totalInput + totalOutput),
    request_goodput: options.goodput ? perSecond(countGood(lat, options.goodput)) : null,
    offered_rate: options.closedLoop ? null : offeredRate(records),
    max_output_tokens_per_s: maxTokensPerSecond(ok),
    max_concurrent_requests: maxConcurrent(records),
    failures: countFailures(records),
    ci95: {},
    client_lateness_p99_ms: 0,
    client_lateness_max_ms: 0,
    valid: true,
    invalid_reasons: [],
  };

  const statNames = [...metrics, 'queued_ttft', 'queued_e2el', 'token_itl'] as const;
  for (const name of statNames) addStats(summary, name, samples[name], percentiles);
  // The queue-inclusive variants get intervals too: SLOs judge them by default (vitest/slo.ts).
  for (const name of ['ttft', 'tpot', 'e2el', 'queued_ttft', 'queued_e2el'] as const) {
    if (name !== 'queued_ttft' && name !== 'queued_e2el' && !metrics.includes(name)) continue;
    if (samples[name].length < MIN_CI_SAMPLES) continue;
    const ci = bootstrapPercentileCi(samples[name], percentiles);
    percentiles.forEach((p, i) => {
      summary.ci95[`${percentileKey(p)}_${name}_ms`] = ci[i] as [number, number];
    });
  }

  const lateness = sorted(records.flatMap((r) => (r.lateness_ms === undefined ? [] : [r.lateness_ms])));
  summary.client_lateness_p99_ms = percentileOfSorted(lateness, 99);
  summary.client_lateness_max_ms = lateness.length > 0 ? (lateness[lateness.length - 1] as number) : 0;
  summary.invalid_reasons = invalidReasons(summary, records, {
    ...defaultSummaryOptions,
    ...withoutUndefined(options),
  });
  summary.valid = summary.invalid_reasons.length === 0;
  return summary;
}

/** Adds mean_X_ms, median_X_ms, std_X_ms and pNN_X_ms of `values` (ms) to `summary`, as vLLM names them. */
export function addStats(
  summary: Record<string, unknown>,
  name: string,
  values: number[],
  percentiles: readonly number[],
): void {
  const ordered = sorted(values);
  summary[`mean_${name}_ms`] = mean(values);
  summary[`median_${name}_ms`] = percentileOfSorted(ordered, 50);
  summary[`std_${name}_ms`] = std(values);
  for (const p of percentiles) summary[`${percentileKey(p)}_${name}_ms`] = percentileOfSorted(ordered, p);
}

/**
 * The rate the measured requests actually went out at: sends minus one over the span of their send
 * times, so evenly spaced sends at R req/s give exactly R. It shows what a schedule offered after
 * client lateness and any `--max-concurrency` wait; null when fewer than two sends span any time.
 */
function offeredRate(records: readonly RequestRecord[]): number | null {
  if (records.length < 2) return null;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const r of records) {
    first = Math.min(first, r.sent_ms);
    last = Math.max(last, r.sent_ms);
  }
  return last > first ? (records.length - 1) / ((last - first) / 1000) : null;
}

/** A request is good when every configured SLO holds (value <= threshold), as in vLLM. */
function countGood(lat: ReturnType<typeof requestLatencies>[], slo: GoodputSlo): number {
  return lat.filter(
    (l) =>
      (slo.ttft === undefined || l.ttft <= slo.ttft) &&
      (slo.tpot === undefined || l.tpot <= slo.tpot) &&
      (slo.e2el === undefined || l.e2el <= slo.e2el),
  ).length;
}

function countFailures(records: readonly RequestRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of records) {
    if (r.ok) continue;
    const code = r.error_code ?? 'SB_UNKNOWN';
    counts[code] = (counts[code] ?? 0) + 1;
  }
  return counts;
}

/** Peak output tokens in any one-second bin of the run, like vLLM's max_output_tokens_per_s. */
function maxTokensPerSecond(records: readonly RequestRecord[]): number {
  const bins = new Map<number, number>();
  for (const r of records) {
    r.chunk_ms.forEach((t, i) => {
      const bin = Math.floor(t / 1000);
      bins.set(bin, (bins.get(bin) ?? 0) + (r.chunk_tokens[i] ?? 1));
    });
  }
  return Math.max(0, ...bins.values());
}

function maxConcurrent(records: readonly RequestRecord[]): number {
  const events = records.flatMap((r) => [
    [r.sent_ms, 1],
    [r.end_ms, -1],
  ]) as Array<[number, number]>;
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let peak = 0;
  for (const [, delta] of events) {
    current += delta;
    peak = Math.max(peak, current);
  }
  return peak;
}

function invalidReasons(
  s: BenchmarkSummary,
  records: readonly RequestRecord[],
  limits: { maxLatenessP99Ms: number; maxFailureRate: number },
): string[] {
  const total = records.length;
  const reasons: string[] = [];
  if (total === 0) return ['no requests were measured'];
  if (s.completed === 0) reasons.push(`all ${total} requests failed (${formatCounts(s.failures)})`);
  else if (s.failed / total > limits.maxFailureRate) {
    reasons.push(
      `${s.failed} of ${total} requests failed (${((100 * s.failed) / total).toFixed(1)}% > ${(100 * limits.maxFailureRate).toFixed(1)}% allowed: ${formatCounts(s.failures)})`,
    );
  }
  reasons.push(...latenessReasons(records, limits.maxLatenessP99Ms));
  return reasons;
}

const formatCounts = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([code, n]) => `${code}: ${n}`)
    .join(', ');

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
