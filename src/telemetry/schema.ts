import { z } from 'zod';

/** Mean and maximum of one quantity over a load run; null when nvidia-smi reported it as N/A. */
export const statSchema = z.strictObject({ mean: z.number(), max: z.number() }).nullable();

/** One GPU's samples during a load run, summarised. */
export const gpuTelemetrySchema = z.strictObject({
  /** nvidia-smi's index (the lease id) and UUID. */
  index: z.string(),
  uuid: z.string(),
  samples: z.int().nonnegative(),
  /** utilization.gpu: % of time a kernel was running. */
  utilizationPct: statSchema,
  memoryUsedMiB: statSchema,
  memoryTotalMiB: z.number().nullable(),
  /** clocks.sm */
  smClockMHz: statSchema,
  /** power.draw */
  powerW: statSchema,
});

/** GPU telemetry sampled with nvidia-smi while a point's load ran (targets that are not simulated). */
export const pointTelemetrySchema = z.strictObject({
  source: z.literal('nvidia-smi'),
  intervalMs: z.int().positive(),
  /** From the sampler's start to its stop, s. */
  durationS: z.number().nonnegative(),
  gpus: z.array(gpuTelemetrySchema),
  /** Why some or all samples are missing (no nvidia-smi, it failed, ...). */
  error: z.string().optional(),
});

export type Stat = z.infer<typeof statSchema>;
export type GpuTelemetry = z.infer<typeof gpuTelemetrySchema>;
export type PointTelemetry = z.infer<typeof pointTelemetrySchema>;
