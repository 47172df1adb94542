import { requestFailure } from '../core/errors.ts';
import { percentileCi } from './bootstrap.ts';
import { latenessReasons } from './client-check.ts';
import type { RequestRecord } from './record.ts';
import { mean, percentileOfSorted, std } from './stats.ts';

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
  /**
   * Ours: how counts were made where they are not the server's own (output tokens counted from
   * chunks, estimated prompt lengths); the numbers stand, the note says what they rest on.
   */
  notes: string[];
} & Record<string, unknown>;

/** vLLM's key spelling: 99 -> "p99", 99.9 -> "p99.9". */
export const percentileKey = (p: number) => `p${Number.isInteger(p) ? p.toFixed(0) : String(p)}`;

/**
 * Summarizes the records of one whole run (times from its time zero, warm-up flagged); a subset
 * would count its duration from the run's start.
 *
 * Bounded: no record is spread into an argument list, per-request values go into typed arrays
 * (8 bytes a value: one per request per metric, one per chunk for ITL, one per token for the
 * per-token ITL), each sorted once, in place, and confidence intervals cost one pass over their
 * sorted sample past MAX_BOOTSTRAP_SAMPLES (bootstrap.ts). See docs/metrics.md, "Limits".
 */
export function summarize(all: readonly RequestRecord[], options: SummaryOptions = {}): BenchmarkSummary {
  const percentiles = options.percentiles ?? defaultPercentiles;
  const metrics = options.metrics ?? latencyMetrics;
  const records = all.filter((r) => !r.warmup);
  const ok = records.filter((r) => r.ok);

  // vLLM's duration starts with its arrival process (benchmark_start_time), before the first
  // request's delay: here the run's time zero. After warm-up requests, the measured part starts
  // at its first scheduled send.
  let firstScheduled = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const r of records) {
    if (r.scheduled_ms < firstScheduled) firstScheduled = r.scheduled_ms;
    if (r.end_ms > end) end = r.end_ms;
  }
  const start = records.length === all.length ? Math.min(0, firstScheduled) : firstScheduled;
  const durationS = records.length > 0 ? (end - start) / 1000 : 0;
  const perSecond = (x: number) => (durationS > 0 ? x / durationS : 0);

  let totalInput = 0;
  let totalOutput = 0;
  for (const r of ok) {
    totalInput += r.prompt_tokens;
    totalOutput += r.output_tokens;
  }
  const samples = latencySamples(ok);
  const good = options.goodput ? countGood(ok, samples, options.goodput) : null;

  const summary: BenchmarkSummary = {
    completed: ok.length,
    failed: records.length - ok.length,
    total_input_tokens: totalInput,
    total_output_tokens: totalOutput,
    duration: durationS,
    request_throughput: perSecond(ok.length),
    output_throughput: perSecond(totalOutput),
    total_token_throughput: perSecond(totalInput + totalOutput),
    request_goodput: good === null ? null : perSecond(good),
    offered_rate: options.closedLoop ? null : offeredRate(records),
    max_output_tokens_per_s: maxTokensPerSecond(ok),
    max_concurrent_requests: maxConcurrent(records),
    failures: countFailures(records),
    ci95: {},
    client_lateness_p99_ms: 0,
    client_lateness_max_ms: 0,
    valid: true,
    invalid_reasons: [],
    notes: countNotes(ok),
  };

  // The queue-inclusive variants get intervals too: SLOs judge them by default (vitest/slo.ts).
  // Intervals first: a bootstrap resamples the samples in send order.
  for (const name of ['ttft', 'tpot', 'e2el', 'queued_ttft', 'queued_e2el'] as const) {
    if (name !== 'queued_ttft' && name !== 'queued_e2el' && !metrics.includes(name)) continue;
    if (samples[name].length < MIN_CI_SAMPLES) continue;
    const ci = percentileCi(samples[name], percentiles);
    percentiles.forEach((p, i) => {
      summary.ci95[`${percentileKey(p)}_${name}_ms`] = ci[i] as [number, number];
    });
  }
  // The samples are ours: each is sorted in place, after its mean and std are taken in send order.
  const statNames = [...metrics, 'queued_ttft', 'queued_e2el', 'token_itl'] as const;
  for (const name of statNames) addStatsInPlace(summary, name, samples[name], percentiles);

  let timed = 0;
  for (const r of records) if (r.lateness_ms !== undefined) timed++;
  const lateness = new Float64Array(timed);
  timed = 0;
  for (const r of records) if (r.lateness_ms !== undefined) lateness[timed++] = r.lateness_ms;
  lateness.sort();
  summary.client_lateness_p99_ms = percentileOfSorted(lateness, 99);
  summary.client_lateness_max_ms = lateness.length > 0 ? (lateness[lateness.length - 1] as number) : 0;
  summary.invalid_reasons = invalidReasons(summary, records, {
    ...defaultSummaryOptions,
    ...withoutUndefined(options),
  });
  summary.valid = summary.invalid_reasons.length === 0;
  return summary;
}

type SampleName = LatencyMetric | 'queued_ttft' | 'queued_e2el' | 'token_itl';

/**
 * Every latency sample of the successful requests, in send order, as typed arrays: TTFT, E2EL and
 * their queue-inclusive variants per request, TPOT per request of more than one token, ITL per
 * chunk gap, per-token ITL per token after the first chunk (definitions: per-request.ts).
 */
function latencySamples(ok: readonly RequestRecord[]): Record<SampleName, Float64Array> {
  let multiToken = 0;
  let gaps = 0;
  let tokenGaps = 0;
  for (const r of ok) {
    if (r.output_tokens > 1) multiToken++;
    const chunks = r.chunk_ms.length;
    if (chunks > 1) gaps += chunks - 1;
    for (let i = 1; i < chunks; i++) tokenGaps += Math.max(0, r.chunk_tokens[i] ?? 1);
  }
  const s: Record<SampleName, Float64Array> = {
    ttft: new Float64Array(ok.length),
    tpot: new Float64Array(multiToken),
    itl: new Float64Array(gaps),
    e2el: new Float64Array(ok.length),
    queued_ttft: new Float64Array(ok.length),
    queued_e2el: new Float64Array(ok.length),
    token_itl: new Float64Array(tokenGaps),
  };
  let t = 0;
  let g = 0;
  let k = 0;
  ok.forEach((r, i) => {
    const chunks = r.chunk_ms;
    const first = chunks[0] ?? r.end_ms;
    const last = chunks[chunks.length - 1] ?? r.end_ms;
    const ttft = first - r.sent_ms;
    const e2el = last - r.sent_ms;
    s.ttft[i] = ttft;
    s.e2el[i] = e2el;
    s.queued_ttft[i] = first - r.scheduled_ms;
    s.queued_e2el[i] = last - r.scheduled_ms;
    if (r.output_tokens > 1) s.tpot[t++] = (e2el - ttft) / (r.output_tokens - 1);
    for (let c = 1; c < chunks.length; c++) {
      const gap = (chunks[c] as number) - (chunks[c - 1] as number);
      s.itl[g++] = gap;
      const tokens = r.chunk_tokens[c] ?? 1;
      for (let n = 0; n < tokens; n++) s.token_itl[k++] = gap / tokens;
    }
  });
  return s;
}

/** Adds mean_X_ms, median_X_ms, std_X_ms and pNN_X_ms of `values` (ms) to `summary`, as vLLM names them. */
export function addStats(
  summary: Record<string, unknown>,
  name: string,
  values: ArrayLike<number>,
  percentiles: readonly number[],
): void {
  addStatsInPlace(summary, name, Float64Array.from(values), percentiles);
}

/** addStats that sorts `values` itself (no copy): mean and std first, in the given order. */
function addStatsInPlace(
  summary: Record<string, unknown>,
  name: string,
  values: Float64Array,
  percentiles: readonly number[],
): void {
  summary[`mean_${name}_ms`] = mean(values);
  summary[`std_${name}_ms`] = std(values);
  const ordered = values.sort();
  summary[`median_${name}_ms`] = percentileOfSorted(ordered, 50);
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

/**
 * A request is good when every configured SLO holds (value <= threshold), as in vLLM; the TPOT of
 * a 1-token request counts as 0. Reads the samples in send order: call it before they are sorted.
 */
function countGood(
  ok: readonly RequestRecord[],
  s: Record<SampleName, Float64Array>,
  slo: GoodputSlo,
): number {
  let good = 0;
  for (let i = 0; i < ok.length; i++) {
    const ttft = s.ttft[i] as number;
    const e2el = s.e2el[i] as number;
    const out = (ok[i] as RequestRecord).output_tokens;
    const tpot = out > 1 ? (e2el - ttft) / (out - 1) : 0;
    if (
      (slo.ttft === undefined || ttft <= slo.ttft) &&
      (slo.tpot === undefined || tpot <= slo.tpot) &&
      (slo.e2el === undefined || e2el <= slo.e2el)
    )
      good++;
  }
  return good;
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
    for (let i = 0; i < r.chunk_ms.length; i++) {
      const bin = Math.floor((r.chunk_ms[i] as number) / 1000);
      bins.set(bin, (bins.get(bin) ?? 0) + (r.chunk_tokens[i] ?? 1));
    }
  }
  let peak = 0;
  for (const tokens of bins.values()) if (tokens > peak) peak = tokens;
  return peak;
}

/** The most requests in flight at once; a request ending when another starts is not counted with it. */
function maxConcurrent(records: readonly RequestRecord[]): number {
  const starts = new Float64Array(records.length);
  const ends = new Float64Array(records.length);
  records.forEach((r, i) => {
    starts[i] = r.sent_ms;
    ends[i] = r.end_ms;
  });
  starts.sort();
  ends.sort();
  let current = 0;
  let peak = 0;
  let e = 0;
  for (let i = 0; i < starts.length; i++) {
    const t = starts[i] as number;
    while (e < ends.length && (ends[e] as number) <= t) {
      current--;
      e++;
    }
    current++;
    if (current > peak) peak = current;
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
  const inClient = s.failures[requestFailure.clientResources] ?? 0;
  if (inClient > 0) {
    reasons.push(
      `${inClient} of ${total} requests failed in the client itself (${requestFailure.clientResources}: it ran out of ` +
        'file descriptors, local ports or memory), not at the server, so the load asked for was not applied; ' +
        'raise the open-file limit (ulimit -n) or lower the concurrency or rate',
    );
  }
  reasons.push(...latenessReasons(records, limits.maxLatenessP99Ms));
  return reasons;
}

/** Notes on token counts the server did not make, from the successful requests' records. */
function countNotes(ok: readonly RequestRecord[]): string[] {
  let fromChunks = 0;
  let estimated = 0;
  for (const r of ok) {
    if (r.output_tokens_from_chunks) fromChunks++;
    if (r.prompt_tokens_estimated) estimated++;
  }
  const notes: string[] = [];
  if (fromChunks > 0) {
    notes.push(
      `output tokens of ${fromChunks} of ${ok.length} requests were counted from the stream's text chunks, ` +
        'one a chunk: the server sent no usage (it ignores stream_options.include_usage); where a chunk ' +
        'carries several tokens this undercounts output throughput and overstates TPOT',
    );
  }
  if (estimated > 0) {
    notes.push(
      `prompt tokens of ${estimated} of ${ok.length} requests are estimates: no tokenizer answered and the ` +
        'server sent no usage',
    );
  }
  return notes;
}

const formatCounts = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([code, n]) => `${code}: ${n}`)
    .join(', ');

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
