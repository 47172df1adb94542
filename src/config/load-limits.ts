/**
 * The valid range of every load-profile field that sets a count, a rate, a duration or a wait.
 * The profile schema (load-profile.ts), the CLI's flag parsers and the run plan (load/plan.ts)
 * all read them from here, so a value is refused the same way wherever it is given, before any
 * request is sent. docs/metrics.md ("Limits") lists them with the reasons.
 */
export const loadLimits = {
  /** Requests per second of any arrival rate (poisson, gamma, constant, ramps, steps). */
  minRate: 1e-4,
  maxRate: 1e6,
  /** Gamma shape of arrival gaps (vLLM's --burstiness; 'inf' on the CLI is the constant arrival). */
  minBurstiness: 0.01,
  maxBurstiness: 1000,
  /** Requests one run may plan, warm-up included: every request's record is kept until the summary. */
  maxRequests: 1_000_000,
  /** Longest planned run (durationS, or the time the schedule needs for its requests): 7 days. */
  maxDurationS: 7 * 24 * 3600,
  /** Shortest step, ramp, burst interval or run duration. */
  minDurationS: 0.001,
  /** Closed-loop users, and the cap on requests in flight (each holds a socket). */
  maxConcurrency: 100_000,
  /** Steps of a `steps` arrival. */
  maxSteps: 10_000,
  /** Per-request timeout; a timer longer than 2^31-1 ms would fire at once. */
  maxRequestTimeoutS: 24 * 3600,
  /** Client threads. */
  maxWorkers: 256,
  /** Send lateness allowance of the client's timing check. */
  maxLatenessMs: 60_000,
} as const;

/** The longest delay setTimeout honours (2^31-1 ms, ~24.8 days); a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `1000000` -> `1,000,000`; small and fractional numbers as they are. */
export const formatLimit = (n: number): string =>
  Number.isInteger(n) && Math.abs(n) >= 10_000 ? n.toLocaleString('en-US') : String(n);

/** A duration in seconds, in the largest unit that reads well: 90 -> "1.5 min", 3e9 -> "95 years". */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return 'forever';
  const units: Array<[number, string]> = [
    [365.25 * 86400, 'years'],
    [86400, 'days'],
    [3600, 'h'],
    [60, 'min'],
  ];
  for (const [size, unit] of units) {
    if (s >= size) return `${Number((s / size).toPrecision(3))} ${unit}`;
  }
  return `${Number(s.toPrecision(3))} s`;
}
