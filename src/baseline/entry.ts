import { z } from 'zod';
import { capacityResultSchema, objectiveVerdictSchema } from '../capacity/result.ts';
import { SERVER_SWEEP_KINDS } from '../capacity/server-sweep.ts';
import { baselineKeySchema, underTestSchema } from '../report/schema.ts';

/** Samples kept per metric: enough for a bootstrap, small enough to diff by eye. */
export const MAX_SAMPLES = 1000;

/**
 * 2: latency samples are in time order (as they were in 1, now stated), output throughput is in
 * bins of `outputBinMs` over the steady part. Files of version 1 are read and upgraded.
 */
export const BASELINE_SCHEMA_VERSION = 2;

/** A sample value: a latency in ms or a rate, finite and never negative. */
const sampleValues = z.array(z.number().nonnegative());

const latencySamples = {
  /**
   * Per-request TTFT, TPOT, E2EL in ms, in the order the requests were sent: the gate resamples
   * blocks of consecutive requests. Thinned to MAX_SAMPLES by keeping every k-th.
   */
  ttft: sampleValues,
  tpot: sampleValues,
  e2el: sampleValues,
};

type LatencySamples = { ttft: number[]; tpot: number[]; e2el: number[]; outputTokensPerSecond: number[] };

/**
 * What a baseline needs to judge anything: a recorded run kept one TTFT and one E2EL per
 * successful request (a passing run has some), a TPOT for those of more than one token, and
 * none of its latencies or throughput bins are all 0. A baseline emptied or zeroed by hand would
 * otherwise judge nothing and let every run "match".
 */
function checkSamples(s: LatencySamples, ctx: z.RefinementCtx): void {
  const issue = (field: keyof LatencySamples, message: string) =>
    ctx.addIssue({ code: 'custom', path: [field], message });
  if (s.ttft.length === 0)
    issue('ttft', 'no samples: a baseline keeps one TTFT per successful request of the recorded run');
  if (s.e2el.length !== s.ttft.length)
    issue('e2el', `${s.e2el.length} samples, expected one per TTFT sample (${s.ttft.length})`);
  if (s.tpot.length > s.ttft.length)
    issue('tpot', `${s.tpot.length} samples, more than the ${s.ttft.length} requests kept`);
  for (const field of ['ttft', 'e2el', 'outputTokensPerSecond'] as const) {
    if (s[field].length > 0 && s[field].every((v) => v === 0))
      issue(field, `every sample is 0: a run's ${field} is never 0, so these cannot judge a change`);
  }
}

export const baselineSamplesSchema = z
  .strictObject({
    ...latencySamples,
    /**
     * Output tokens per second in consecutive bins of `outputBinMs`, in time order, over the run's
     * steady part: from its first finished request to its last sent one (no ramp-up, no drain).
     */
    outputTokensPerSecond: sampleValues,
    outputBinMs: z.number().positive(),
  })
  .superRefine(checkSamples);

/** Version 1: the same latencies; throughput in one-second bins (first and last dropped). */
const samplesV1Schema = z
  .strictObject({ ...latencySamples, outputTokensPerSecond: sampleValues })
  .superRefine(checkSamples);

const entryShape = {
  key: baselineKeySchema,
  underTest: underTestSchema,
  recordedAt: z.string(),
  /** Headline numbers for humans reading the file; gates use the samples. */
  summary: z.record(z.string(), z.number()),
};

/** A capacity experiment's recorded answer: what a pull request's confirmation probes test. */
export const capacityAnswerSchema = capacityResultSchema.pick({
  variable: true,
  slo: true,
  max_passing: true,
  min_failing: true,
  knee: true,
  stop_reason: true,
});

/**
 * A server sweep's recorded answer: each point's SLO verdict at the fixed load (with the intervals
 * it rests on) and, when the sweep searched, its capacity bracket; the elbow it implied. A pull
 * request's sweep is judged point by point against it (vitest/server-sweep-baseline.ts).
 */
export const serverSweepAnswerSchema = z.strictObject({
  kind: z.enum(SERVER_SWEEP_KINDS),
  /** The SLO in words: a sweep judged under another SLO is not comparable. */
  slo: z.string(),
  /** The fixed load in words (for readers; the key's profile is what identifies it). */
  load: z.string(),
  /** `mps` and `arguments`: the least x that, and every x above it, passed; null otherwise. */
  elbow: z.number().nullable(),
  points: z.array(
    z.strictObject({
      x: z.number(),
      label: z.string(),
      slo: z.enum(['pass', 'fail', 'undecided']),
      objectives: z.array(objectiveVerdictSchema),
      /** The capacity bracket when the sweep searched each point, else null. */
      capacity: z
        .strictObject({ max_passing: z.number().nullable(), min_failing: z.number().nullable() })
        .nullable(),
    }),
  ),
});

/**
 * The samples agree with the run they were recorded from: one TTFT per completed request (up to
 * MAX_SAMPLES). A baseline with samples cut by hand would judge a run on fewer of them than it had.
 */
function checkAgainstSummary(
  e: { summary: Record<string, number>; samples?: { ttft: number[] } | undefined },
  ctx: z.RefinementCtx,
): void {
  const completed = e.summary.completed;
  if (!e.samples || typeof completed !== 'number' || e.samples.ttft.length === 0) return;
  const expected = Math.min(completed, MAX_SAMPLES);
  if (e.samples.ttft.length !== expected)
    ctx.addIssue({
      code: 'custom',
      path: ['samples', 'ttft'],
      message: `${e.samples.ttft.length} samples, but summary.completed says the recorded run had ${completed} successful requests (expected ${expected} samples)`,
    });
}

/** A recorded capacity answer: servebench records one only when some load passed. */
function checkCapacity(e: { capacity?: CapacityAnswer | undefined }, ctx: z.RefinementCtx): void {
  const c = e.capacity;
  if (!c) return;
  if (c.max_passing === null || !(c.max_passing > 0))
    ctx.addIssue({
      code: 'custom',
      path: ['capacity', 'max_passing'],
      message: `${c.max_passing}: a capacity baseline needs the largest passing load (> 0) to confirm`,
    });
}

/** A recorded server sweep: servebench records one only with points, each x once. */
function checkServerSweep(e: { serverSweep?: ServerSweepAnswer | undefined }, ctx: z.RefinementCtx): void {
  const s = e.serverSweep;
  if (!s) return;
  if (s.points.length === 0)
    ctx.addIssue({
      code: 'custom',
      path: ['serverSweep', 'points'],
      message: 'no points: a server sweep baseline keeps the verdict of every point it ran',
    });
  const xs = s.points.map((p) => p.x);
  const repeated = xs.find((x, i) => xs.indexOf(x) !== i);
  if (repeated !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['serverSweep', 'points'],
      message: `x ${repeated} appears twice: a sweep runs each x once`,
    });
}

/** The kinds of entry, each in one field: exactly one of them is present. */
const entryKinds = {
  samples: 'samples (a load point)',
  capacity: 'capacity (a capacity experiment)',
  serverSweep: 'serverSweep (a server sweep)',
} as const;

/** Exactly one of samples / capacity / serverSweep: the issue names the field at fault. */
function checkOneKind(e: Partial<Record<keyof typeof entryKinds, unknown>>, ctx: z.RefinementCtx): void {
  const fields = Object.keys(entryKinds) as Array<keyof typeof entryKinds>;
  const present = fields.filter((f) => e[f] !== undefined);
  const kinds = Object.values(entryKinds).join(', ');
  if (present.length === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['samples'],
      message: `missing: an entry holds exactly one of ${kinds}; this one holds none`,
    });
  }
  for (const extra of present.slice(1)) {
    ctx.addIssue({
      code: 'custom',
      path: [extra],
      message: `unexpected beside '${present[0]}': an entry holds exactly one of ${kinds}`,
    });
  }
}

/** A load point keeps per-request samples; a capacity experiment its answer; a server sweep its points' verdicts. */
export const baselineEntrySchema = z
  .strictObject({
    ...entryShape,
    samples: baselineSamplesSchema.optional(),
    capacity: capacityAnswerSchema.optional(),
    serverSweep: serverSweepAnswerSchema.optional(),
  })
  .superRefine(checkOneKind)
  .superRefine(checkAgainstSummary)
  .superRefine(checkCapacity)
  .superRefine(checkServerSweep);

export const baselineFileSchema = z.strictObject({
  schemaVersion: z.literal(BASELINE_SCHEMA_VERSION),
  entries: z.array(baselineEntrySchema),
});

/**
 * A version-1 entry, upgraded as it is read. Its throughput bins (one second, ramp-up and drain
 * mostly included) measure something else than version 2's steady part, so they are dropped: the
 * gate then says output throughput needs a re-recorded baseline.
 */
export const baselineEntryV1Schema = z
  .strictObject({ ...entryShape, samples: samplesV1Schema })
  .superRefine(checkAgainstSummary)
  .transform(
    (e): BaselineEntry => ({
      ...e,
      samples: { ...e.samples, outputTokensPerSecond: [], outputBinMs: 1000 },
    }),
  );

/** A version-1 file, upgraded as it is read (see baselineEntryV1Schema). */
export const baselineFileV1Schema = z
  .strictObject({ schemaVersion: z.literal(1), entries: z.array(baselineEntryV1Schema) })
  .transform((file): BaselineFile => ({ schemaVersion: BASELINE_SCHEMA_VERSION, entries: file.entries }));

export type BaselineSamples = z.infer<typeof baselineSamplesSchema>;
export type BaselineEntry = z.infer<typeof baselineEntrySchema>;
export type CapacityAnswer = z.infer<typeof capacityAnswerSchema>;
export type ServerSweepAnswer = z.infer<typeof serverSweepAnswerSchema>;
export type BaselineFile = z.infer<typeof baselineFileSchema>;
