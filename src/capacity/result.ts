import { z } from 'zod';
import { runEvidenceFields } from '../telemetry/schema.ts';

const interval = z.tuple([z.number(), z.number()]);

/** One objective of the SLO judged on one probe, with its confidence interval. */
export const objectiveVerdictSchema = z.strictObject({
  /** `attainment`, `error_rate`, or a percentile key such as `p99_ttft_ms`. */
  objective: z.string(),
  /** What must hold: attainment >= target, error_rate <= target, pNN <= target ms. */
  target: z.number(),
  /** The measured value: a share for attainment and error_rate, ms for a percentile. */
  measured: z.number(),
  /**
   * The interval the verdict rests on: Wilson on a share; for a percentile objective the share
   * of requests within the limit (exact, Clopper-Pearson), against the percentile's share. Both
   * on the effective sample size of the requests, which queue together (capacity/effective-size.ts).
   */
  ci: interval,
  /** The share the interval is judged against (attainment target, 0.99 for p99, error limit). */
  judgedAgainst: z.number(),
  verdict: z.enum(['pass', 'fail', 'undecided']),
});

/** One load run of a capacity search (an extension of a probe is a run of its own). */
export const capacityProbeSchema = z.strictObject({
  /** 1-based order in which the load runs went. */
  index: z.int().positive(),
  /**
   * The swept variable's value: offered req/s or concurrency. The saturating probe sends all its
   * requests at once; its load is the throughput it measured (the scale of the search).
   */
  load: z.number(),
  /** Why the search ran it. */
  phase: z.enum(['saturate', 'bracket', 'refine', 'confirm', 'window', 'hold']),
  /** How many times this load was lengthened (its runs pooled) before this verdict. */
  extensions: z.int().nonnegative(),
  /**
   * A first run sized before any request latency was known that proved too short to be steady
   * (probe-session.ts): recorded, never pooled; the load runs again at full size.
   */
  pilot: z.boolean().optional(),
  /** Requests judged (the steady window, pooled over extensions; 0 for an invalid run). */
  judgedRequests: z.int().nonnegative(),
  /** Offered rate actually achieved in the steady window (req/s); null for closed loop. */
  achievedOfferedRate: z.number().nullable(),
  /** Completions per second in the steady window (req/s). */
  throughput: z.number(),
  objectives: z.array(objectiveVerdictSchema),
  /**
   * pass / fail only when every interval lies on one side; `unresolved` when still undecided
   * after this run (never used as a bound): the next run at this load with `extensions` one
   * higher lengthens it, else it stayed undecided at the length cap (or no length within the cap
   * would likely decide it); `invalid` when the run cannot be trusted.
   */
  verdict: z.enum(['pass', 'fail', 'unresolved', 'invalid']),
  invalidReasons: z.array(z.string()),
  /** The run's summary (vLLM's keys and ours, over all its measured requests). */
  summary: z.record(z.string(), z.unknown()),
  /** Raw per-request records of this run (JSONL), where they were saved. */
  rawFile: z.string().nullable(),
  /** What the server, the host and the GPUs said during this run (suites; the CLI gathers none). */
  ...runEvidenceFields,
});

/** A probe's phase as tables print it: a pilot run says so. */
export const phaseLabel = (p: { phase: string; pilot?: boolean }) =>
  p.pilot ? `${p.phase} (pilot)` : p.phase;

export const capacityResultSchema = z.strictObject({
  variable: z.enum(['request-rate', 'concurrency']),
  mode: z.enum(['search', 'adaptive', 'confirm']),
  /** The SLO in words: "p99 TTFT <= 200 ms, 95 % of requests within ttft 200 ms, tpot 50 ms". */
  slo: z.string(),
  /** Largest load that passed (null when none did). */
  max_passing: z.number().nullable(),
  /** Smallest load that failed above max_passing (null when none did). */
  min_failing: z.number().nullable(),
  /** (min_failing - max_passing) / max_passing, when both exist. */
  gap: z.number().nullable(),
  stop_reason: z.enum([
    'precision',
    'max-probes',
    'max-load',
    'min-load',
    'unresolved',
    'invalid',
    'confirmed',
    'not-confirmed',
  ]),
  /** Load where achieved throughput stops tracking the offered load (null if not seen). */
  knee: z.number().nullable(),
  probes: z.array(capacityProbeSchema),
});

export type ObjectiveVerdict = z.infer<typeof objectiveVerdictSchema>;
export type CapacityProbe = z.infer<typeof capacityProbeSchema>;
export type CapacityResult = z.infer<typeof capacityResultSchema>;
