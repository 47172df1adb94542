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

/**
 * The host's CPUs while a point's load ran, from /proc/stat (host-cpu.ts), beside the GPU
 * telemetry: whole host (every core) and this process (the load client and its worker threads).
 */
export const hostCpuSchema = z.strictObject({
  source: z.literal('/proc/stat'),
  /** False off Linux or when /proc/stat could not be read; `reason` says why. */
  available: z.boolean(),
  reason: z.string().optional(),
  intervalMs: z.int().positive(),
  /** From the sampler's start to its stop, s. */
  durationS: z.number().nonnegative(),
  /** Intervals measured (each a difference of two readings). */
  samples: z.int().nonnegative(),
  /** Cores /proc/stat listed (0 when not available). */
  cores: z.int().nonnegative(),
  /** Share of the host's CPU time not idle or waiting for I/O, %: over the whole run / the busiest interval. */
  busyPct: statSchema,
  /** The busiest single core in any interval, %. */
  maxCoreBusyPct: z.number().nullable(),
  /** This process's CPU time (process.cpuUsage) per wall time, % of one core: over the run / the busiest interval. */
  processCpuPct: statSchema,
});

export type Stat = z.infer<typeof statSchema>;
export type GpuTelemetry = z.infer<typeof gpuTelemetrySchema>;
export type PointTelemetry = z.infer<typeof pointTelemetrySchema>;
export type HostCpu = z.infer<typeof hostCpuSchema>;

/**
 * Engine-neutral names of what a server's Prometheus `/metrics` says about a load point
 * (server-metrics-names.ts maps vLLM's and llama.cpp's names onto them).
 */
export const SERVER_COUNTER_FIELDS = [
  'promptTokens',
  'cachedPromptTokens',
  'generationTokens',
  'requestsFinished',
  'preemptions',
  'promptSeconds',
  'generationSeconds',
  'decodeCalls',
] as const;
export const SERVER_GAUGE_FIELDS = [
  'requestsRunning',
  'requestsWaiting',
  'kvCacheUsage',
  'busySlotsPerDecode',
  'promptTokensPerS',
  'generationTokensPerS',
] as const;
export const SERVER_HISTOGRAM_FIELDS = [
  'ttft',
  'itl',
  'tpot',
  'e2el',
  'queueTime',
  'prefillTime',
  'decodeTime',
  'inferenceTime',
] as const;
export const SERVER_ENGINES = ['vllm', 'llamacpp'] as const;

/** A counter's increase over the point (resets handled as Prometheus's increase() does). */
export const serverCounterSchema = z.strictObject({
  increase: z.number(),
  /** The server's metric name, summed over its series (engines, finished reasons...). */
  source: z.string(),
});

/** A gauge's distribution over the scrapes taken while the load ran. */
export const serverGaugeSchema = z.strictObject({
  mean: z.number(),
  max: z.number(),
  samples: z.int().nonnegative(),
  source: z.string(),
});

/** A latency histogram's observations during the point: count and quantiles, ms. */
export const serverHistogramSchema = z.strictObject({
  count: z.number(),
  /** sum / count; null without observations. */
  meanMs: z.number().nullable(),
  /** histogram_quantile over the point's bucket increases; null without observations. */
  p50Ms: z.number().nullable(),
  p90Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  /** True when p99 lies in the +Inf bucket (p99Ms is then the highest finite bound). */
  beyondBuckets: z.boolean(),
  /**
   * The lowest finite bucket bound, ms: a quantile at or below it is only known to be at most this
   * (vLLM's request-phase buckets start at 300 ms). Null without finite buckets.
   */
  lowestBoundMs: z.number().nullable(),
  source: z.string(),
});

/** A server count compared with the client's own for the same point. */
export const serverCrossCheckSchema = z.strictObject({
  field: z.enum(SERVER_COUNTER_FIELDS),
  server: z.number(),
  client: z.number(),
  /** (server - client) / client; null when the client counted none. */
  relativeDiff: z.number().nullable(),
  agrees: z.boolean(),
});

/** What the server's own /metrics said while a point's load ran (server-metrics-scraper.ts). */
export const serverMetricsSchema = z.strictObject({
  source: z.literal('prometheus'),
  /** The scraped URL (credentials removed). */
  endpoint: z.string(),
  /** Whose metric names the page had; null when none known. */
  engine: z.enum(SERVER_ENGINES).nullable(),
  /** False when nothing could be summarised (no /metrics, HTTP error, no known names). */
  available: z.boolean(),
  /** Why the metrics are not available, or what limited them. */
  reason: z.string().optional(),
  /** Interval of the periodic scrapes (doubled when a long point reached the scrape bound). */
  intervalMs: z.int().positive(),
  /** Between the first and the last successful scrape, s. */
  windowS: z.number().nonnegative(),
  scrapes: z.int().nonnegative(),
  failedScrapes: z.int().nonnegative(),
  counters: z.partialRecord(z.enum(SERVER_COUNTER_FIELDS), serverCounterSchema),
  gauges: z.partialRecord(z.enum(SERVER_GAUGE_FIELDS), serverGaugeSchema),
  histograms: z.partialRecord(z.enum(SERVER_HISTOGRAM_FIELDS), serverHistogramSchema),
  crossChecks: z.array(serverCrossCheckSchema),
  /** Disagreements with the client's counts and other doubts; never fail the point. */
  warnings: z.array(z.string()),
  /** The scraped samples of the known names (JSONL), relative to the results directory. */
  rawFile: z.string().nullable(),
});

export type ServerCounterField = (typeof SERVER_COUNTER_FIELDS)[number];
export type ServerGaugeField = (typeof SERVER_GAUGE_FIELDS)[number];
export type ServerHistogramField = (typeof SERVER_HISTOGRAM_FIELDS)[number];
export type ServerEngine = (typeof SERVER_ENGINES)[number];
export type ServerCounter = z.infer<typeof serverCounterSchema>;
export type ServerGauge = z.infer<typeof serverGaugeSchema>;
export type ServerHistogram = z.infer<typeof serverHistogramSchema>;
export type ServerCrossCheck = z.infer<typeof serverCrossCheckSchema>;
export type ServerMetrics = z.infer<typeof serverMetricsSchema>;

/**
 * What a measured run gathers beside its records (vitest/measured-run.ts), kept alike on a load
 * point's sweep level, capacity probe and server-sweep point: spread into their schemas.
 */
export const runEvidenceFields = {
  /** What the server's own /metrics said during the run. */
  serverMetrics: serverMetricsSchema.optional(),
  /** The host's CPUs during the run. */
  hostCpu: hostCpuSchema.optional(),
  /** GPU telemetry during the run (servers on GPUs; never simulated). */
  telemetry: pointTelemetrySchema.optional(),
};

export interface RunEvidence {
  serverMetrics?: ServerMetrics;
  hostCpu?: HostCpu;
  telemetry?: PointTelemetry;
}

/** The evidence `from` holds, absent fields left out rather than set to undefined (results are JSON). */
export function evidenceOf(from: RunEvidence): RunEvidence {
  return {
    ...(from.serverMetrics ? { serverMetrics: from.serverMetrics } : {}),
    ...(from.hostCpu ? { hostCpu: from.hostCpu } : {}),
    ...(from.telemetry ? { telemetry: from.telemetry } : {}),
  };
}
