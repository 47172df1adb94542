import { z } from 'zod';
import { concurrencySweepResultSchema } from '../capacity/concurrency-sweep.ts';
import { capacityResultSchema } from '../capacity/result.ts';
import { serverSweepResultSchema } from '../capacity/server-sweep.ts';
import { hostCpuSchema, pointTelemetrySchema, serverMetricsSchema } from '../telemetry/schema.ts';
import { diagnosisSchema } from './diagnosis-schema.ts';

/** Bumped on any incompatible change of results.json; docs/results.schema.json is generated from this. */
export const RESULTS_SCHEMA_VERSION = 1;

/** What a baseline is keyed by: what the experiment holds fixed. */
export const baselineKeySchema = z.strictObject({
  experiment: z.string(),
  /** Test name inside the experiment (one load point). */
  point: z.string(),
  /** GPU model and count (e.g. "NVIDIA H100 80GB HBM3 x1"), or "simulated:<gpu> x<n>". */
  hardware: z.string(),
  model: z.string(),
  /** Stable description of the load profile (arrival, bounds, dataset, seed). */
  profile: z.string(),
});

/** What is under test: recorded and diffed, not part of the key. */
export const underTestSchema = z.strictObject({
  target: z.enum(['sim', 'process', 'container', 'url']),
  /** Image tag and digest, simulator version, or the command. */
  server: z.string(),
  serverArgs: z.array(z.string()),
  /** The serving engine as it described itself (llama.cpp's /props); absent when it said nothing. */
  engine: z
    .strictObject({
      name: z.string(),
      version: z.string(),
      build: z.string().nullable(),
      slots: z.int().positive().nullable(),
    })
    .optional(),
});

export const verdictSchema = z.strictObject({
  metric: z.string(),
  direction: z.enum(['lower-is-better', 'higher-is-better']),
  baseline: z.number(),
  current: z.number(),
  /** (current - baseline) / baseline. */
  change: z.number(),
  /**
   * Confidence interval of the relative change (95% unless `confidence` says otherwise): circular
   * block bootstrap of each run's time-ordered samples, Welch-type t across the two runs.
   */
  ci: z.tuple([z.number(), z.number()]).nullable(),
  /** Two-sided confidence of `ci` (absent in results written before it was recorded: 0.95). */
  confidence: z.number().optional(),
  tolerance: z.number(),
  verdict: z.enum(['ok', 'improved', 'regressed', 'insufficient-samples']),
  /** Why a metric was not judged and what it needs, e.g. "not judged: p99_ttft_ms needs >= 500 requests (this run: 150)". */
  note: z.string().optional(),
});

export const baselineOutcomeSchema = z.strictObject({
  /**
   * `unusable`: the baseline entry exists but cannot judge this run (emptied or zeroed samples);
   * the point fails with the file, entry and field named in `message`.
   */
  status: z.enum(['matched', 'regressed', 'new', 'updated', 'missing', 'skipped', 'unusable']),
  verdicts: z.array(verdictSchema),
  /** Under-test fields of the baseline, to show what changed. */
  baselineUnderTest: underTestSchema.nullable(),
  message: z.string().optional(),
});

export const sloCheckSchema = z.strictObject({
  metric: z.string(),
  limit: z.number(),
  measured: z.number(),
  ci: z.tuple([z.number(), z.number()]).nullable(),
  pass: z.boolean(),
});

/** One load run inside an experiment (one `runLoad` call in a test). */
export const pointResultSchema = z.strictObject({
  experiment: z.string(),
  test: z.string(),
  file: z.string(),
  key: baselineKeySchema,
  underTest: underTestSchema,
  simulated: z.boolean(),
  /** The swept variable's value for charts (offered rate, GPU count, MPS %...), if any. */
  x: z.number().nullable(),
  xLabel: z.string().nullable(),
  /** Offered load in req/s (null for closed loop / infinite). */
  offeredRate: z.number().nullable(),
  summary: z.record(z.string(), z.unknown()),
  valid: z.boolean(),
  invalidReasons: z.array(z.string()),
  /** Raw per-request records (JSONL), relative to the results directory. */
  rawFile: z.string(),
  slo: z.array(sloCheckSchema),
  baseline: baselineOutcomeSchema.nullable(),
  /** GPU telemetry sampled during the load (targets on GPUs only; absent when simulated). */
  telemetry: pointTelemetrySchema.optional(),
  /** What the server's own /metrics said during the load (absent when not scraped, e.g. SERVEBENCH_SERVER_METRICS=0). */
  serverMetrics: serverMetricsSchema.optional(),
  /** The host's CPU utilisation sampled during the load (absent when not sampled, e.g. SERVEBENCH_HOST_CPU=0). */
  hostCpu: hostCpuSchema.optional(),
  /** The point's bottleneck, judged from its measured evidence (report/diagnosis.ts, docs/diagnosis.md). */
  diagnosis: diagnosisSchema.optional(),
  /** A capacity experiment's answer and every probe (runCapacity); `summary` is then its answer probe's. */
  capacity: capacityResultSchema.optional(),
  /** A concurrency sweep's levels and analysis (runConcurrencySweep); `summary` is then its saturation level's (else the last level's). */
  concurrencySweep: concurrencySweepResultSchema.optional(),
  /** A server sweep's points and analysis (runServerSweep); `summary` is then its elbow's (else the reference point's). */
  serverSweep: serverSweepResultSchema.optional(),
  state: z.enum(['passed', 'failed', 'skipped']),
  errors: z.array(z.string()),
});

export const resultsFileSchema = z.strictObject({
  schemaVersion: z.literal(RESULTS_SCHEMA_VERSION),
  /**
   * The run that wrote this file (also in summary.md): a report always belongs to one run. A run
   * moves the previous run's report to `previous/` before it measures anything. Absent in files
   * written before it was recorded.
   */
  runId: z.string().optional(),
  startedAt: z.string(),
  finishedAt: z.string(),
  target: z.string(),
  simulated: z.boolean(),
  /** Why this target was chosen (e.g. "auto: no GPU found, using the simulator"). */
  targetReason: z.string(),
  gpus: z.array(z.string()),
  points: z.array(pointResultSchema),
});

export type BaselineKey = z.infer<typeof baselineKeySchema>;
export type UnderTest = z.infer<typeof underTestSchema>;
export type Verdict = z.infer<typeof verdictSchema>;
export type BaselineOutcome = z.infer<typeof baselineOutcomeSchema>;
export type SloCheck = z.infer<typeof sloCheckSchema>;
export type PointResult = z.infer<typeof pointResultSchema>;
export type ResultsFile = z.infer<typeof resultsFileSchema>;
