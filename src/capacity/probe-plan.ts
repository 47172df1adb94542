import type { RequestRecord } from '../metrics/record.ts';
import { percentile } from '../metrics/stats.ts';
import type { CapacitySearch, CapacitySlo } from './spec.ts';

/** Requests a probe runs: a ramp-up left out, the judged (steady) window, and a drain left out. */
export interface ProbePlan {
  warmup: number;
  judged: number;
  drain: number;
}

/** Requests that must be expected beyond the judged quantile (client-check.ts uses the same rule). */
const BEYOND = 5;

/** ceil that ignores floating-point dust: 5 / (1 - 0.9) = 50.000000000000007 is 50. */
export const robustCeil = (x: number) => Math.ceil(x - 1e-9 * Math.max(1, Math.abs(x))) + 0; // + 0: no -0

/**
 * The strictest share the SLO judges: the attainment target, NN/100 of each percentile limit,
 * and 1 - maxErrorRate. A probe needs BEYOND requests expected past it to tell it apart.
 */
export function strictestShare(slo: CapacitySlo): number {
  const shares: number[] = [];
  if (slo.goodput && Object.values(slo.goodput).some((v) => v !== undefined)) shares.push(slo.attainment);
  for (const stats of Object.values(slo.percentiles ?? {})) {
    for (const [stat, limit] of Object.entries(stats ?? {})) {
      if (limit !== undefined) shares.push(Number(stat.slice(1)) / 100);
    }
  }
  if (slo.maxErrorRate !== undefined && slo.maxErrorRate > 0) shares.push(1 - slo.maxErrorRate);
  return shares.length > 0 ? Math.max(...shares) : 0;
}

/** What a probe's size depends on besides the SLO, the search and the load. */
export interface ProbeSizing {
  /** Most judged requests this run may add (what is left of `maxRequests` for an extension). */
  judgedCap?: number;
  /** Fewest judged requests: an extension asks for as many as were pooled so far (doubling). */
  atLeast?: number;
  /** A typical request's time in the server when not queued (ms); null before any run measured it. */
  latencyMs?: number | null;
}

/**
 * Sizes a probe before it runs. Judged: at least `minRequests` (or `atLeast`), and enough that
 * BEYOND requests are expected past the strictest share (attainment 0.95 -> 100, p99 -> 500),
 * capped by `maxRequests` (or `judgedCap`) and, for a rate probe, by `maxProbeDurationS` of
 * judged load. Warm-up and drain are the shares `warmupShare` / `drainShare` of the whole run.
 * A rate probe's warm-up also lasts `warmupLatencies` request latencies (at most
 * `maxProbeDurationS`): a server that holds many requests at once fills its queue from idle over
 * several of them, and a window judged before that looks better than the load it offers (48
 * slots at 1.1x capacity: 0.89 of requests within the SLO 10 requests in, 0.59 after 300, 0.50
 * stationary). A concurrency probe leaves out at least `concurrency` requests at each end, since
 * its users all start together and all stop together (a closed loop cannot queue up without bound).
 */
export function planProbe(
  slo: CapacitySlo,
  search: CapacitySearch,
  load: number,
  { judgedCap = search.maxRequests, atLeast = 0, latencyMs = null }: ProbeSizing = {},
): ProbePlan {
  const strictest = strictestShare(slo);
  const needed = strictest > 0 ? robustCeil(BEYOND / (1 - strictest)) : 0;
  const rate = search.variable === 'request-rate';
  const latencyS = rate && latencyMs !== null && latencyMs > 0 ? latencyMs / 1000 : 0;
  // A window shorter than a few request latencies sees one state of the queue, however many
  // requests it holds: its requests are judged together, not independently.
  const span = robustCeil(search.windowLatencies * latencyS * load);
  let judged = Math.min(Math.max(search.minRequests, needed, atLeast, span), search.maxRequests, judgedCap);
  if (rate) judged = Math.min(judged, Math.floor(search.maxProbeDurationS * load));
  judged = Math.max(1, judged);
  const kept = 1 - search.warmupShare - search.drainShare;
  let warmup = robustCeil((judged * search.warmupShare) / kept);
  let drain = robustCeil((judged * search.drainShare) / kept);
  if (latencyS > 0) {
    const fillS = Math.min(search.maxProbeDurationS, search.warmupLatencies * latencyS);
    warmup = Math.max(warmup, robustCeil(fillS * load));
  }
  if (!rate) {
    if (search.warmupShare > 0) warmup = Math.max(warmup, load);
    if (search.drainShare > 0) drain = Math.max(drain, load);
  }
  return { warmup, judged, drain };
}

/** The judged records of one run: index order, after the warm-up, before the drain. */
export function steadyWindow(records: readonly RequestRecord[], plan: ProbePlan): RequestRecord[] {
  return records.slice(plan.warmup, Math.max(plan.warmup, records.length - plan.drain));
}

/** When the request actually went out (the schedule plus the client's lateness). */
const sendTime = (r: RequestRecord) => r.scheduled_ms + (r.lateness_ms ?? r.sent_ms - r.scheduled_ms);

function sendSpan(window: readonly RequestRecord[]): [number, number] | null {
  if (window.length < 2) return null;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const r of window) {
    const t = sendTime(r);
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  return hi > lo ? [lo, hi] : null;
}

/** Offered rate achieved in a window (req/s): requests over the span of their actual sends. */
export function achievedOfferedRate(window: readonly RequestRecord[]): number | null {
  const span = sendSpan(window);
  return span ? ((window.length - 1) * 1000) / (span[1] - span[0]) : null;
}

/** Completions of the run inside a window's send span; pooled over runs as sums. */
export interface SteadyThroughput {
  completions: number;
  /** The time the completions were counted over. */
  spanMs: number;
  /** The window's send span (for the offered rate achieved). */
  sendSpanMs: number;
}

/**
 * Steady throughput of a window: successful completions of the whole run (any request) that end
 * inside the span of the window's sends, over that span. Below saturation it tracks the offered
 * rate; above it, the server's rate, free of the ramp-up and the drain. The count starts one
 * median request latency into the span (at most half of it): before that, completions still
 * reflect the run's start, when the server had fewer requests in flight than it holds steadily
 * (128-token outputs take ~3 s, longer than a 10 % warm-up at 14 req/s).
 */
export function steadyThroughput(
  records: readonly RequestRecord[],
  window: readonly RequestRecord[],
): SteadyThroughput {
  const span = sendSpan(window);
  if (!span) return { completions: 0, spanMs: 0, sendSpanMs: 0 };
  const latencies = window.filter((r) => r.ok).map((r) => r.end_ms - r.sent_ms);
  const fill = latencies.length > 0 ? percentile(latencies, 50) : 0;
  const start = span[0] + Math.min(fill, (span[1] - span[0]) / 2);
  const completions = records.filter((r) => r.ok && r.end_ms >= start && r.end_ms <= span[1]).length;
  return { completions, spanMs: span[1] - start, sendSpanMs: span[1] - span[0] };
}

export const perSecond = (t: SteadyThroughput) => (t.spanMs > 0 ? (t.completions * 1000) / t.spanMs : 0);

/**
 * A request's time in the server when it does not queue, from one run: the 10th percentile of
 * successful requests' send-to-end latency (in a saturating run the first to be served did not
 * wait). Null when nothing succeeded.
 */
export function unqueuedLatencyMs(records: readonly RequestRecord[]): number | null {
  const latencies = records.filter((r) => r.ok).map((r) => r.end_ms - r.sent_ms);
  return latencies.length > 0 ? percentile(latencies, 10) : null;
}

/**
 * Throughput of a saturating run (everything sent at once): completions between the 10th and
 * the 90th percentile completion over the time between them, leaving out the first responses
 * (which include the ramp into full batches) and the tail (a draining, emptier server). A run that
 * completed in one wave (less time between those completions than before the first of them) did
 * not saturate the server: it held every request at once, and alike requests then finish
 * together, which would make that ratio absurdly high. Its throughput is the completions up to the
 * 90th percentile over the time since the first send: what the server did serve, a lower bound.
 */
export function saturatedThroughput(records: readonly RequestRecord[]): number {
  const ok = records.filter((r) => r.ok);
  const ends = Float64Array.from(ok.map((r) => r.end_ms)).sort();
  if (ends.length < 3) return 0;
  const first = Math.floor(0.1 * (ends.length - 1));
  const last = Math.ceil(0.9 * (ends.length - 1));
  const spanMs = (ends[last] as number) - (ends[first] as number);
  const firstSend = ok.reduce((first, r) => Math.min(first, r.sent_ms), Number.POSITIVE_INFINITY);
  if (spanMs < (ends[first] as number) - firstSend) {
    return ((last + 1) * 1000) / ((ends[last] as number) - firstSend);
  }
  return spanMs > 0 ? ((last - first) * 1000) / spanMs : 0;
}
