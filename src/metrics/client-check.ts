import type { RequestRecord } from './record.ts';
import { percentileOfSorted, sorted } from './stats.ts';

/** Share of the scheduled offered rate the client may lose to lateness before a run is invalid. */
export const MAX_RATE_SHORTFALL = 0.05;
/**
 * A lateness tail up to this share of the run's median queue-inclusive TTFT is allowed even above
 * the absolute allowance: next to seconds of latency, tens of ms of send jitter change nothing.
 */
export const RELATIVE_LATENESS_ALLOWANCE = 0.05;
/** Samples that must lie beyond a judged quantile (the baseline gate's rule, too). */
const BEYOND = 5;

/**
 * The client's check of its own sending, from each request's lateness (sent minus scheduled, not
 * counting a wait for a concurrency slot). It judges what lateness does to the result:
 * - the offered rate: sends stretched over a longer span than the schedule's lower the load;
 * - the timing error: the lateness tail, at a quantile the sample supports (p99 at most, with at
 *   least five requests beyond it), so one scheduler hiccup in a short run is not the verdict,
 *   judged against the latencies it could distort: allowed is `maxLatenessMs` or 5% of the median
 *   queue-inclusive TTFT, whichever is larger.
 */
export function latenessReasons(records: readonly RequestRecord[], maxLatenessMs: number): string[] {
  const timed = records.filter((r) => r.lateness_ms !== undefined);
  if (timed.length === 0) return [];
  const reasons: string[] = [];

  const intendedSpan = span(timed.map((r) => r.scheduled_ms));
  const actualSpan = span(timed.map((r) => r.scheduled_ms + (r.lateness_ms as number)));
  const shortfall = actualSpan > 0 && intendedSpan > 0 ? 1 - intendedSpan / actualSpan : 0;
  if (shortfall > MAX_RATE_SHORTFALL) {
    reasons.push(
      `the load generator fell behind its schedule: what was scheduled over ${(intendedSpan / 1000).toFixed(2)} s ` +
        `went out over ${(actualSpan / 1000).toFixed(2)} s, so the offered rate was ${(100 * shortfall).toFixed(1)}% ` +
        `lower than asked (more than ${100 * MAX_RATE_SHORTFALL}%); lower the rate, or give the client more ` +
        `threads (workers in the load profile, --workers on the CLI)`,
    );
  }

  // Everything scheduled at once (an infinite rate): lateness is only the time to send them all.
  if (intendedSpan === 0) return reasons;
  const lateness = sorted(timed.map((r) => r.lateness_ms as number));
  const percentile = judgedPercentile(lateness.length);
  const judged = percentileOfSorted(lateness, percentile);
  const medianTtft = medianQueuedTtft(timed);
  const relative = RELATIVE_LATENESS_ALLOWANCE * medianTtft;
  if (judged > Math.max(maxLatenessMs, relative)) {
    const allowed =
      relative > maxLatenessMs
        ? `${relative.toFixed(1)} ms allowed (${100 * RELATIVE_LATENESS_ALLOWANCE}% of the median queue-inclusive TTFT, ${medianTtft.toFixed(1)} ms)`
        : `${maxLatenessMs} ms allowed`;
    reasons.push(
      `the load generator's send timing was off: p${formatPercentile(percentile)} send lateness ` +
        `${judged.toFixed(1)} ms > ${allowed} (of ${lateness.length} requests), so this host was too busy ` +
        `to time the load; run on a quieter machine, give the client more threads (workers in the load ` +
        `profile, --workers on the CLI), or allow more (maxLatenessP99Ms in the load profile, ` +
        `--max-lateness-ms on the CLI)`,
    );
  }
  return reasons;
}

/** Median TTFT from the scheduled send of the successful requests (0 when none succeeded). */
function medianQueuedTtft(records: readonly RequestRecord[]): number {
  // queuedTtft of requestLatencies, without building every request's ITL list.
  const queued = records.filter((r) => r.ok).map((r) => (r.chunk_ms[0] ?? r.end_ms) - r.scheduled_ms);
  return percentileOfSorted(sorted(queued), 50);
}

/** The highest percentile up to 99 with at least five samples beyond it (50 for tiny runs). */
export function judgedPercentile(samples: number): number {
  return Math.max(50, Math.min(99, 100 * (1 - BEYOND / samples)));
}

/** max - min, without spreading a large array into Math.max. */
function span(values: readonly number[]): number {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi - lo;
}

const formatPercentile = (p: number) => (Number.isInteger(p) ? String(p) : p.toFixed(1));
