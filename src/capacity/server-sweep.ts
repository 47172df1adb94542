import { z } from 'zod';
import type { BenchmarkSummary } from '../metrics/summarize.ts';
import { evidenceOf, type RunEvidence, runEvidenceFields } from '../telemetry/schema.ts';
import { type CapacityResult, capacityResultSchema, objectiveVerdictSchema } from './result.ts';

/**
 * A server sweep: one server per point, started and stopped in turn on the leased GPUs, each
 * measured at the same fixed load (latency and throughput) and, optionally, searched for its
 * capacity under the SLO. Three questions, one mechanism:
 * - `mps`: the MPS active-thread percentage (seeds 000/001); the elbow is the least percentage
 *   that still meets the SLO, ratios are to 100 %;
 * - `scaling`: the GPU count (seeds 002/003); scaling efficiency cap_N / (N/N_ref x cap_ref);
 * - `arguments`: any server argument (seed 004's --max-num-seqs); the elbow as for MPS.
 * Pure analysis lives here; the Vitest call that runs the points is `runServerSweep`
 * (vitest/server-sweep.ts).
 */
export const SERVER_SWEEP_KINDS = ['mps', 'scaling', 'arguments'] as const;
export type ServerSweepKind = (typeof SERVER_SWEEP_KINDS)[number];

/**
 * Which end of the sweep is easy: `least` (the default) when larger x makes the SLO easier to hold
 * (more SMs, more GPUs) and the elbow is the least x that still holds it; `greatest` when larger x
 * makes it harder (a larger model) and the elbow is the greatest x that still holds it.
 */
export const ELBOW_RULES = ['least', 'greatest'] as const;
export type ElbowRule = (typeof ELBOW_RULES)[number];

const ratio = z.number().nullable();

/** One point of the sweep, as the report and results.json hold it. */
export const serverSweepPointSchema = z.strictObject({
  /** The swept value: MPS %, GPU count, the argument's value. */
  x: z.number(),
  /** How the report names the point: "20 %", "4 GPUs", "--max-num-seqs 64". */
  label: z.string(),
  gpus: z.int().nonnegative(),
  /** The server's arguments as recorded (secrets masked). */
  serverArgs: z.array(z.string()),
  /** The fixed load's figures (vLLM's keys; failed requests left out of the latencies). */
  requests: z.int().nonnegative(),
  failed: z.int().nonnegative(),
  requestThroughput: z.number(),
  outputThroughput: z.number(),
  meanTtftMs: z.number().nullable(),
  p99TtftMs: z.number().nullable(),
  meanItlMs: z.number().nullable(),
  p99ItlMs: z.number().nullable(),
  meanTpotMs: z.number().nullable(),
  p99E2elMs: z.number().nullable(),
  /** The SLO judged on the fixed load with the capacity search's intervals; null without an SLO. */
  slo: z.enum(['pass', 'fail', 'undecided']).nullable(),
  objectives: z.array(objectiveVerdictSchema),
  /** This point's figure / the reference point's (mean TTFT, mean ITL, request throughput). */
  ratios: z.strictObject({ ttft: ratio, itl: ratio, throughput: ratio }),
  /** The capacity search at this point (when the sweep asked for one). */
  capacity: capacityResultSchema.nullable(),
  /**
   * `scaling` only: (cap_x / cap_ref) / (x / x_ref), with the interval the two capacity brackets
   * allow (low: max_passing_x against min_failing_ref; high: min_failing_x against
   * max_passing_ref, null when either is open). Null without both capacities.
   */
  efficiency: z
    .strictObject({ value: z.number(), low: z.number().nullable(), high: z.number().nullable() })
    .nullable(),
  valid: z.boolean(),
  invalidReasons: z.array(z.string()),
  /** Raw per-request records of the fixed load (JSONL), relative to the results directory. */
  rawFile: z.string(),
  ...runEvidenceFields,
});

/**
 * Figures published elsewhere for the same study (a seed document, a vendor's table), shown beside
 * the sweep's own as ratios to the reference point, which carry across hardware; absolute values
 * are shown too. `note` says why they may differ (the report states where they do).
 */
export const publishedSweepSchema = z.strictObject({
  /** Where the figures come from: "seed 000: RTX 4090 lab baseline". */
  source: z.string().min(1),
  note: z.string().optional(),
  points: z
    .array(
      z.strictObject({
        x: z.number(),
        requestThroughput: z.number().positive().optional(),
        meanTtftMs: z.number().positive().optional(),
        meanItlMs: z.number().positive().optional(),
      }),
    )
    .min(1),
});

export type PublishedSweep = z.infer<typeof publishedSweepSchema>;

export const serverSweepResultSchema = z.strictObject({
  kind: z.enum(SERVER_SWEEP_KINDS),
  /** The swept variable as tables and charts name it. */
  xLabel: z.string(),
  /** The fixed load in words ("4 req/s Poisson, 40 requests, sharegpt"). */
  load: z.string(),
  /** The SLO in words, or null when none was given. */
  slo: z.string().nullable(),
  /** x of the point the ratios and efficiencies are relative to. */
  reference: z.number(),
  points: z.array(serverSweepPointSchema),
  /**
   * `mps` and `arguments`: the least x whose point, and every point above it, passed the SLO at
   * the fixed load. Null when the largest x did not pass, a point above the candidate was
   * undecided or invalid, or no SLO was given: `elbowNote` says which.
   */
  elbow: z.number().nullable(),
  elbowNote: z.string().nullable(),
  /** Which end is easy (findElbow); absent in results written before it was recorded: `least`. */
  elbowRule: z.enum(ELBOW_RULES).optional(),
  /** Published figures for the same study, shown beside these (null when none were given). */
  published: publishedSweepSchema.nullable(),
});

export type ServerSweepPoint = z.infer<typeof serverSweepPointSchema>;
export type ServerSweepResult = z.infer<typeof serverSweepResultSchema>;

/** What the analysis reads of one point's runs. */
export interface ServerSweepRun extends RunEvidence {
  x: number;
  label: string;
  gpus: number;
  serverArgs: string[];
  summary: BenchmarkSummary;
  slo: ServerSweepPoint['slo'];
  objectives: ServerSweepPoint['objectives'];
  capacity: CapacityResult | null;
  rawFile: string;
}

const num = (s: BenchmarkSummary, key: string): number | null => {
  const v = (s as unknown as Record<string, unknown>)[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

const divide = (a: number | null, b: number | null): number | null =>
  a === null || b === null || b === 0 ? null : a / b;

/** The reference point by kind: 100 % (the largest) for MPS, the fewest GPUs for scaling, else the first. */
export function defaultReference(kind: ServerSweepKind, xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('a server sweep needs at least one point');
  if (kind === 'mps') return Math.max(...xs);
  if (kind === 'scaling') return Math.min(...xs);
  return xs[0] as number;
}

/**
 * Scaling efficiency of a point against the reference, from the two capacity answers: the point's
 * capacity per unit of x over the reference's. The interval follows from the brackets: the true
 * capacities lie in [max_passing, min_failing] (open above when min_failing is null).
 */
export function scalingEfficiency(
  point: { x: number; capacity: CapacityResult | null },
  reference: { x: number; capacity: CapacityResult | null },
): ServerSweepPoint['efficiency'] {
  const cap = point.capacity;
  const ref = reference.capacity;
  if (!cap || !ref || cap.max_passing === null || ref.max_passing === null || ref.max_passing === 0)
    return null;
  const scale = point.x / reference.x;
  const value = cap.max_passing / ref.max_passing / scale;
  const low = ref.min_failing === null ? null : cap.max_passing / ref.min_failing / scale;
  const high = cap.min_failing === null ? null : cap.min_failing / ref.max_passing / scale;
  return { value, low, high };
}

/**
 * The elbow: scanning from the easy end (the largest x for `least`, the smallest for `greatest`),
 * the last x before the first point that is not a clear pass. Every point on the easy side of the
 * elbow passed; the next one beyond it (if any) did not.
 */
export function findElbow(
  points: readonly ServerSweepPoint[],
  rule: ElbowRule = 'least',
): { elbow: number | null; note: string | null } {
  if (points.every((p) => p.slo === null)) return { elbow: null, note: 'no SLO was given' };
  const fromEasyEnd = [...points].sort((a, b) => (rule === 'least' ? b.x - a.x : a.x - b.x));
  let elbow: number | null = null;
  for (const p of fromEasyEnd) {
    if (!p.valid || p.slo !== 'pass') {
      if (elbow === null) {
        const why = !p.valid ? 'was invalid' : p.slo === 'fail' ? 'failed the SLO' : 'was undecided';
        return {
          elbow: null,
          note: `the ${rule === 'least' ? 'largest' : 'smallest'} point (${p.label}) ${why}`,
        };
      }
      const why = !p.valid ? 'is invalid' : p.slo === 'fail' ? 'fails the SLO' : 'is undecided';
      return { elbow, note: `${p.label} ${why}` };
    }
    elbow = p.x;
  }
  return { elbow, note: 'every point met the SLO' };
}

/** The sweep's result: each point's figures, ratios to the reference, efficiency, and the elbow. */
export function analyzeServerSweep(
  runs: readonly ServerSweepRun[],
  spec: {
    kind: ServerSweepKind;
    xLabel: string;
    load: string;
    slo: string | null;
    reference?: number;
    published?: PublishedSweep | null;
    elbowRule?: ElbowRule;
  },
): ServerSweepResult {
  const reference =
    spec.reference ??
    defaultReference(
      spec.kind,
      runs.map((r) => r.x),
    );
  const refRun = runs.find((r) => r.x === reference);
  if (!refRun) throw new Error(`the reference x ${reference} is not one of the sweep's points`);
  const points = runs
    .map((run): ServerSweepPoint => {
      const s = run.summary;
      const ref = refRun.summary;
      return {
        x: run.x,
        label: run.label,
        gpus: run.gpus,
        serverArgs: run.serverArgs,
        requests: s.completed + s.failed,
        failed: s.failed,
        requestThroughput: s.request_throughput,
        outputThroughput: s.output_throughput,
        meanTtftMs: num(s, 'mean_ttft_ms'),
        p99TtftMs: num(s, 'p99_ttft_ms'),
        meanItlMs: num(s, 'mean_itl_ms'),
        p99ItlMs: num(s, 'p99_itl_ms'),
        meanTpotMs: num(s, 'mean_tpot_ms'),
        p99E2elMs: num(s, 'p99_e2el_ms'),
        slo: run.slo,
        objectives: run.objectives,
        ratios: {
          ttft: divide(num(s, 'mean_ttft_ms'), num(ref, 'mean_ttft_ms')),
          itl: divide(num(s, 'mean_itl_ms'), num(ref, 'mean_itl_ms')),
          throughput: divide(s.request_throughput, ref.request_throughput),
        },
        capacity: run.capacity,
        efficiency: spec.kind === 'scaling' ? scalingEfficiency(run, refRun) : null,
        valid: s.valid,
        invalidReasons: s.invalid_reasons,
        rawFile: run.rawFile,
        ...evidenceOf(run),
      };
    })
    .sort((a, b) => a.x - b.x);
  const elbowRule = spec.elbowRule ?? 'least';
  const { elbow, note } =
    spec.kind === 'scaling' ? { elbow: null, note: null } : findElbow(points, elbowRule);
  return {
    kind: spec.kind,
    xLabel: spec.xLabel,
    load: spec.load,
    slo: spec.slo,
    reference,
    points,
    elbow,
    elbowNote: note,
    ...(spec.kind === 'scaling' ? {} : { elbowRule }),
    published: spec.published ?? null,
  };
}
