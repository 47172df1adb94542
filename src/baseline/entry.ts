import { z } from 'zod';
import { capacityResultSchema } from '../capacity/result.ts';
import { baselineKeySchema, underTestSchema } from '../report/schema.ts';

/** Samples kept per metric: enough for a bootstrap, small enough to diff by eye. */
export const MAX_SAMPLES = 1000;

/**
 * 2: latency samples are in time order (as they were in 1, now stated), output throughput is in
 * bins of `outputBinMs` over the steady part. Files of version 1 are read and upgraded.
 */
export const BASELINE_SCHEMA_VERSION = 2;

const latencySamples = {
  /**
   * Per-request TTFT, TPOT, E2EL in ms, in the order the requests were sent: the gate resamples
   * blocks of consecutive requests. Thinned to MAX_SAMPLES by keeping every k-th.
   */
  ttft: z.array(z.number()),
  tpot: z.array(z.number()),
  e2el: z.array(z.number()),
};

export const baselineSamplesSchema = z.strictObject({
  ...latencySamples,
  /**
   * Output tokens per second in consecutive bins of `outputBinMs`, in time order, over the run's
   * steady part: from its first finished request to its last sent one (no ramp-up, no drain).
   */
  outputTokensPerSecond: z.array(z.number()),
  outputBinMs: z.number().positive(),
});

/** Version 1: the same latencies; throughput in one-second bins (first and last dropped). */
const samplesV1Schema = z.strictObject({ ...latencySamples, outputTokensPerSecond: z.array(z.number()) });

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

/** A load point keeps per-request samples; a capacity experiment keeps its answer. */
export const baselineEntrySchema = z
  .strictObject({
    ...entryShape,
    samples: baselineSamplesSchema.optional(),
    capacity: capacityAnswerSchema.optional(),
  })
  .refine((e) => (e.samples === undefined) !== (e.capacity === undefined), {
    message: 'an entry holds either samples (a load point) or capacity (a capacity experiment)',
    path: ['samples'],
  });

export const baselineFileSchema = z.strictObject({
  schemaVersion: z.literal(BASELINE_SCHEMA_VERSION),
  entries: z.array(baselineEntrySchema),
});

/**
 * A version-1 file, upgraded as it is read. Its throughput bins (one second, ramp-up and drain
 * mostly included) measure something else than version 2's steady part, so they are dropped: the
 * gate then says output throughput needs a re-recorded baseline.
 */
export const baselineFileV1Schema = z
  .strictObject({
    schemaVersion: z.literal(1),
    entries: z.array(z.strictObject({ ...entryShape, samples: samplesV1Schema })),
  })
  .transform(
    (file): BaselineFile => ({
      schemaVersion: BASELINE_SCHEMA_VERSION,
      entries: file.entries.map((e) => ({
        ...e,
        samples: { ...e.samples, outputTokensPerSecond: [], outputBinMs: 1000 },
      })),
    }),
  );

export type BaselineSamples = z.infer<typeof baselineSamplesSchema>;
export type BaselineEntry = z.infer<typeof baselineEntrySchema>;
export type CapacityAnswer = z.infer<typeof capacityAnswerSchema>;
export type BaselineFile = z.infer<typeof baselineFileSchema>;
