import { z } from 'zod';
import { datasetSpecSchema } from '../datasets/spec.ts';
import { latencyMetrics } from '../metrics/summarize.ts';

const positive = z.number().positive();
const positiveInt = z.int().positive();

/** How requests arrive. Rates are requests/second, durations seconds. */
export const arrivalSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('poisson'), rate: positive }),
  /** vLLM's `--burstiness`: Gamma gaps with shape = burstiness, scale = 1/(rate*burstiness). */
  z.strictObject({ kind: z.literal('gamma'), rate: positive, burstiness: positive }),
  z.strictObject({ kind: z.literal('constant'), rate: positive }),
  /** Everything at t = 0 (vLLM's `--request-rate inf`); combine with maxConcurrency. */
  z.strictObject({ kind: z.literal('infinite') }),
  /** `size` requests at once every `intervalS`. */
  z.strictObject({ kind: z.literal('bursts'), size: positiveInt, intervalS: positive }),
  /** Piecewise-constant rate; the last step holds until the run ends. */
  z.strictObject({
    kind: z.literal('steps'),
    steps: z.array(z.strictObject({ rate: z.number().nonnegative(), durationS: positive })).min(1),
    burstiness: positive.default(1),
  }),
  /**
   * Rate rising from startRate to endRate over durationS (then holding). Without durationS the
   * ramp spans the whole request count, as vLLM's `--ramp-up-strategy` does.
   */
  z.strictObject({
    kind: z.literal('ramp'),
    curve: z.enum(['linear', 'exponential']),
    startRate: positive,
    endRate: positive,
    durationS: positive.optional(),
    burstiness: positive.default(1),
  }),
  /** Closed loop: `concurrency` users, each sending its next request when the last one ends. */
  z.strictObject({ kind: z.literal('concurrency'), concurrency: positiveInt }),
]);

/** Every field of a load profile; `loadProfileSchema` adds the rule that a run is bounded. */
export const loadProfileFields = z.strictObject({
  /** Server root, e.g. http://127.0.0.1:8000 (load only goes where the user points it). */
  baseUrl: z.url({ protocol: /^https?$/ }),
  endpoint: z.string().startsWith('/').default('/v1/completions'),
  /** Model name; when absent the first model of GET /v1/models is used. */
  model: z.string().min(1).optional(),
  arrival: arrivalSchema,
  /** Cap on in-flight requests for any open-loop arrival (vLLM's `--max-concurrency`). */
  maxConcurrency: positiveInt.optional(),
  /** Measured requests (vLLM's `--num-prompts`). */
  requests: positiveInt.optional(),
  /** Stop sending after this many seconds. */
  durationS: positive.optional(),
  /** Requests sent first with the same arrival process and excluded from the results. */
  warmupRequests: z.int().nonnegative().default(0),
  requestTimeoutS: positive.default(300),
  seed: z.int().default(0),
  dataset: datasetSpecSchema.default({ name: 'random' } as z.input<typeof datasetSpecSchema> as never),
  ignoreEos: z.boolean().default(true),
  /** Ask for usage in every chunk (vLLM's continuous_usage_stats) to count tokens per chunk. */
  continuousUsageStats: z.boolean().default(true),
  /** Extra fields merged into every request body (temperature, top_p, ...). */
  extraBody: z.record(z.string(), z.unknown()).default({}),
  headers: z.record(z.string(), z.string()).default({}),
  goodput: z
    .strictObject({ ttft: positive.optional(), tpot: positive.optional(), e2el: positive.optional() })
    .optional(),
  percentiles: z.array(z.number().min(0).max(100)).min(1).default([50, 90, 95, 99, 99.9]),
  percentileMetrics: z
    .array(z.enum(latencyMetrics))
    .min(1)
    .default([...latencyMetrics]),
  /** Client self-check: p99 send lateness above this marks the run invalid. */
  maxLatenessP99Ms: positive.default(10),
  maxFailureRate: z.number().min(0).max(1).default(0.1),
  /** Worker threads sending load; 'auto' shards when one thread could not keep up. */
  workers: z.union([z.literal('auto'), positiveInt]).default('auto'),
});

export const loadProfileSchema = loadProfileFields.refine(
  (p) => p.requests !== undefined || p.durationS !== undefined,
  {
    message: 'give requests (a count), durationS, or both: every run must be bounded',
    path: ['requests'],
  },
);

export type LoadProfile = z.infer<typeof loadProfileSchema>;
export type LoadProfileInput = z.input<typeof loadProfileSchema>;
export type Arrival = z.infer<typeof arrivalSchema>;
