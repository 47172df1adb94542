import { z } from 'zod';
import { baselineKeySchema, underTestSchema } from '../report/schema.ts';

/** Samples kept per metric: enough for a bootstrap, small enough to diff by eye. */
export const MAX_SAMPLES = 1000;

export const baselineSamplesSchema = z.strictObject({
  /** Per-request TTFT, TPOT, E2EL in ms (deterministic subsample). */
  ttft: z.array(z.number()),
  tpot: z.array(z.number()),
  e2el: z.array(z.number()),
  /** Output tokens per one-second bin over the run's steady part (first and last bins dropped). */
  outputTokensPerSecond: z.array(z.number()),
});

export const baselineEntrySchema = z.strictObject({
  key: baselineKeySchema,
  underTest: underTestSchema,
  recordedAt: z.string(),
  /** Headline numbers for humans reading the file; gates use the samples. */
  summary: z.record(z.string(), z.number()),
  samples: baselineSamplesSchema,
});

export const baselineFileSchema = z.strictObject({
  schemaVersion: z.literal(1),
  entries: z.array(baselineEntrySchema),
});

export type BaselineSamples = z.infer<typeof baselineSamplesSchema>;
export type BaselineEntry = z.infer<typeof baselineEntrySchema>;
export type BaselineFile = z.infer<typeof baselineFileSchema>;
