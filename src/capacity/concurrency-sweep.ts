import { z } from 'zod';
import { requestFailure } from '../core/errors.ts';
import type { RequestRecord } from '../metrics/record.ts';
import type { BenchmarkSummary } from '../metrics/summarize.ts';
import { evidenceOf, type RunEvidence, runEvidenceFields } from '../telemetry/schema.ts';

/**
 * A concurrency sweep (closed loop): the same load at each level of `N` users, each sending its
 * next request when its last one ends. Pure analysis of the levels' results lives here; the Vitest
 * call that runs them is `runConcurrencySweep` (vitest/concurrency.ts).
 */

/** Default rules, stated where they are used (saturationConcurrency, littlesLaw). */
export const sweepDefaults = {
  /** Throughput growth per doubling of concurrency below which the server counts as saturated. */
  saturationGrowth: 0.1,
  /** Largest allowed |measured mean in flight / concurrency - 1| before a level is flagged. */
  littleTolerance: 0.1,
} as const;

/** One level of the sweep, as the report and results.json hold it. */
export const concurrencyLevelSchema = z.strictObject({
  concurrency: z.int().positive(),
  /** Requests measured (warm-up left out): completed + failed + rate limited. */
  requests: z.int().nonnegative(),
  completed: z.int().nonnegative(),
  /** Failed requests other than HTTP 429 (those are `rateLimited`). */
  failed: z.int().nonnegative(),
  /** Requests the server refused with HTTP 429 (backpressure, `SB_RATE_LIMITED`): not failures. */
  rateLimited: z.int().nonnegative(),
  /** Output tokens/s over the level's run (vLLM's output_throughput). */
  outputThroughput: z.number(),
  /** Completed requests/s over the level's run. */
  requestThroughput: z.number(),
  /** outputThroughput / the first level's (concurrency 1 when swept); null when that one is 0. */
  scaling: z.number().nullable(),
  meanTtftMs: z.number().nullable(),
  p95TtftMs: z.number().nullable(),
  p99TtftMs: z.number().nullable(),
  meanE2elMs: z.number().nullable(),
  p95E2elMs: z.number().nullable(),
  p99E2elMs: z.number().nullable(),
  /**
   * Little's law over the steady window (see `littlesLaw`): the measured mean number of requests
   * in flight, i.e. throughput x mean time in flight in that window. Null when the level sent no
   * more requests than its concurrency (no window in which every user was busy).
   */
  inFlight: z.number().nullable(),
  /** inFlight / concurrency; about 1 when the client held its concurrency. */
  littleRatio: z.number().nullable(),
  /** |littleRatio - 1| is within the tolerance (null when not measured). */
  littleOk: z.boolean().nullable(),
  valid: z.boolean(),
  invalidReasons: z.array(z.string()),
  /** Raw per-request records of this level (JSONL), relative to the results directory. */
  rawFile: z.string(),
  /** What the server, the host and the GPUs said during this level (KV-cache use, waiting requests...). */
  ...runEvidenceFields,
});

export const concurrencySweepResultSchema = z.strictObject({
  levels: z.array(concurrencyLevelSchema),
  /** The first level's concurrency, the base of `scaling` (1 when swept). */
  scalingBase: z.int().positive().nullable(),
  /** Saturation concurrency by `saturationConcurrency`'s rule; null when throughput still grew. */
  saturation: z.int().positive().nullable(),
  rules: z.strictObject({ saturationGrowth: z.number(), littleTolerance: z.number() }),
});

export type ConcurrencyLevel = z.infer<typeof concurrencyLevelSchema>;
export type ConcurrencySweepResult = z.infer<typeof concurrencySweepResultSchema>;

/** What the analysis reads of one level's run. */
export interface LevelRun extends RunEvidence {
  concurrency: number;
  records: readonly RequestRecord[];
  summary: BenchmarkSummary;
  rawFile: string;
}

/** Little's law for one closed-loop level. */
export interface LittleCheck {
  inFlight: number;
  ratio: number;
  ok: boolean;
}

/**
 * Little's law, L = X x W: the mean number of requests in flight equals throughput times mean time
 * in flight, over any window when each request counts only for its time inside the window. A
 * closed loop of N users that kept all of them busy has L = N. It is measured over the **steady
 * window**, from the send of the N-th request (every user busy) to the send of the last one (after
 * it users run out of requests and stop): L = the sum of each request's time in flight inside the
 * window (send to end, failed requests included) / the window's length. Ramp-up and drain are left
 * out, so short runs are judged fairly. `ratio` = L / N; a level is flagged when |ratio - 1| >
 * `tolerance`: the client did not hold the concurrency (it lagged between a response and the next
 * send, or fast-failing requests such as 429s left users idle).
 * Null when there is no steady window (no more requests than users, or no time between the sends).
 */
export function littlesLaw(
  records: readonly RequestRecord[],
  concurrency: number,
  tolerance: number = sweepDefaults.littleTolerance,
): LittleCheck | null {
  const measured = records.filter((r) => !r.warmup);
  if (measured.length <= concurrency) return null;
  const sends = measured.map((r) => r.sent_ms).sort((a, b) => a - b);
  const from = sends[concurrency - 1] as number;
  const to = sends.at(-1) as number;
  if (!(to > from)) return null;
  let area = 0;
  for (const r of measured) area += Math.max(0, Math.min(r.end_ms, to) - Math.max(r.sent_ms, from));
  const inFlight = area / (to - from);
  const ratio = inFlight / concurrency;
  return { inFlight, ratio, ok: Math.abs(ratio - 1) <= tolerance };
}

/**
 * Throughput growth per doubling of concurrency from level a to level b: (Tb / Ta)^(1 / log2(cb / ca)) - 1,
 * so levels that are not powers of two are judged alike (1 -> 2 and 16 -> 32 are each one doubling).
 */
export function growthPerDoubling(a: { concurrency: number; throughput: number }, b: typeof a): number {
  if (a.throughput <= 0) return b.throughput > 0 ? Number.POSITIVE_INFINITY : 0;
  const doublings = Math.log2(b.concurrency / a.concurrency);
  return (b.throughput / a.throughput) ** (1 / doublings) - 1;
}

/**
 * The saturation concurrency: the smallest swept level c such that throughput grows less than
 * `growth` (default 10 %) per doubling from c to **every** larger level swept. Beyond it adding
 * users adds queueing, not throughput. Null when no level before the last qualifies (throughput
 * still grew at the largest level, or fewer than two levels). Levels are read in ascending order.
 */
export function saturationConcurrency(
  levels: ReadonlyArray<{ concurrency: number; throughput: number }>,
  growth: number = sweepDefaults.saturationGrowth,
): number | null {
  const sorted = levels.toSorted((a, b) => a.concurrency - b.concurrency);
  for (let i = 0; i < sorted.length - 1; i++) {
    const a = sorted[i] as (typeof sorted)[number];
    if (sorted.slice(i + 1).every((b) => growthPerDoubling(a, b) < growth)) return a.concurrency;
  }
  return null;
}

const num = (s: BenchmarkSummary, key: string): number | null => {
  const v = s[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

/** One level's figures from its records and summary (scaling is set by `analyzeSweep`). */
export function analyzeLevel(
  run: LevelRun,
  tolerance: number = sweepDefaults.littleTolerance,
): ConcurrencyLevel {
  const measured = run.records.filter((r) => !r.warmup);
  const rateLimited = measured.filter((r) => !r.ok && r.error_code === requestFailure.rateLimited).length;
  const completed = measured.filter((r) => r.ok).length;
  const little = littlesLaw(measured, run.concurrency, tolerance);
  const s = run.summary;
  return {
    concurrency: run.concurrency,
    requests: measured.length,
    completed,
    failed: measured.length - completed - rateLimited,
    rateLimited,
    outputThroughput: s.output_throughput,
    requestThroughput: s.request_throughput,
    scaling: null,
    meanTtftMs: num(s, 'mean_ttft_ms'),
    p95TtftMs: num(s, 'p95_ttft_ms'),
    p99TtftMs: num(s, 'p99_ttft_ms'),
    meanE2elMs: num(s, 'mean_e2el_ms'),
    p95E2elMs: num(s, 'p95_e2el_ms'),
    p99E2elMs: num(s, 'p99_e2el_ms'),
    inFlight: little?.inFlight ?? null,
    littleRatio: little?.ratio ?? null,
    littleOk: little?.ok ?? null,
    valid: s.valid,
    invalidReasons: s.invalid_reasons,
    rawFile: run.rawFile,
    ...evidenceOf(run),
  };
}

/**
 * The sweep's result: each level's figures, scaling against the first (smallest) level, and the
 * saturation concurrency over the valid levels (an invalid level's throughput says nothing).
 */
export function analyzeSweep(
  runs: readonly LevelRun[],
  rules: { saturationGrowth?: number; littleTolerance?: number } = {},
): ConcurrencySweepResult {
  const saturationGrowth = rules.saturationGrowth ?? sweepDefaults.saturationGrowth;
  const littleTolerance = rules.littleTolerance ?? sweepDefaults.littleTolerance;
  const levels = runs
    .map((run) => analyzeLevel(run, littleTolerance))
    .sort((a, b) => a.concurrency - b.concurrency);
  const base = levels[0];
  for (const level of levels) {
    level.scaling = base && base.outputThroughput > 0 ? level.outputThroughput / base.outputThroughput : null;
  }
  const saturation = saturationConcurrency(
    levels
      .filter((l) => l.valid)
      .map((l) => ({ concurrency: l.concurrency, throughput: l.outputThroughput })),
    saturationGrowth,
  );
  return {
    levels,
    scalingBase: base?.concurrency ?? null,
    saturation,
    rules: { saturationGrowth, littleTolerance },
  };
}
