import { z } from 'zod';
import { datasetSpecSchema } from '../datasets/spec.ts';
import { latencyMetrics } from '../metrics/summarize.ts';
import { formatLimit, loadLimits as L } from './load-limits.ts';

/**
 * A number in [min, max] (an integer with `int`), whose error names what is expected: with the
 * field's path in front (parse.ts) it reads "arrival.rate: must be a rate in [0.0001, 1,000,000] req/s".
 */
function inRange(what: string, min: number, max: number, unit = '', int = false) {
  const error = `must be ${what} in [${formatLimit(min)}, ${formatLimit(max)}]${unit ? ` ${unit}` : ''}`;
  const base = int ? z.int({ error }) : z.number({ error });
  return base.min(min, { error }).max(max, { error });
}

const rate = () => inRange('a rate', L.minRate, L.maxRate, 'req/s');
const burstiness = () => inRange('a Gamma shape', L.minBurstiness, L.maxBurstiness);
const seconds = () => inRange('a duration', L.minDurationS, L.maxDurationS, 's');
const concurrency = () => inRange('an integer', 1, L.maxConcurrency, '', true);
const requestCount = (min: number) => inRange('an integer', min, L.maxRequests, '', true);
const positive = z.number().positive();

/** A step's rate: a rate, or 0 for a pause. */
function stepRate() {
  const error = `must be 0 (a pause) or a rate in [${formatLimit(L.minRate)}, ${formatLimit(L.maxRate)}] req/s`;
  return z
    .number({ error })
    .min(0, { error })
    .max(L.maxRate, { error })
    .refine((r) => r === 0 || r >= L.minRate, { error });
}

/** How requests arrive. Rates are requests/second, durations seconds (ranges: load-limits.ts). */
export const arrivalSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('poisson'), rate: rate() }),
  /** vLLM's `--burstiness`: Gamma gaps with shape = burstiness, scale = 1/(rate*burstiness). */
  z.strictObject({ kind: z.literal('gamma'), rate: rate(), burstiness: burstiness() }),
  z.strictObject({ kind: z.literal('constant'), rate: rate() }),
  /** Everything at t = 0 (vLLM's `--request-rate inf`); combine with maxConcurrency. */
  z.strictObject({ kind: z.literal('infinite') }),
  /** `size` requests at once every `intervalS`. */
  z.strictObject({ kind: z.literal('bursts'), size: requestCount(1), intervalS: seconds() }),
  /**
   * Piecewise-constant rate; the last step holds until the run ends. A step may pause (rate 0),
   * but the last one may not: requests left after it would never be sent.
   */
  z.strictObject({
    kind: z.literal('steps'),
    steps: z
      .array(
        z.strictObject({
          rate: stepRate(),
          durationS: seconds(),
        }),
      )
      .min(1, { error: 'must list at least one step' })
      .max(L.maxSteps, { error: `must list at most ${formatLimit(L.maxSteps)} steps` })
      .refine((steps) => (steps.at(-1)?.rate ?? 0) > 0, {
        error:
          'the last step must have a rate > 0: it holds until the run ends, so at rate 0 the requests left would never be sent',
      }),
    burstiness: burstiness().default(1),
  }),
  /**
   * Rate rising from startRate to endRate over durationS (then holding). Without durationS the
   * ramp spans the whole request count, as vLLM's `--ramp-up-strategy` does.
   */
  z.strictObject({
    kind: z.literal('ramp'),
    curve: z.enum(['linear', 'exponential']),
    startRate: rate(),
    endRate: rate(),
    durationS: seconds().optional(),
    burstiness: burstiness().default(1),
  }),
  /** Closed loop: `concurrency` users, each sending its next request when the last one ends. */
  z.strictObject({ kind: z.literal('concurrency'), concurrency: concurrency() }),
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
  maxConcurrency: concurrency().optional(),
  /** Measured requests (vLLM's `--num-prompts`). With warm-up at most loadLimits.maxRequests (load/plan.ts). */
  requests: requestCount(1).optional(),
  /** Stop sending after this many seconds. */
  durationS: seconds().optional(),
  /** Requests sent first with the same arrival process and excluded from the results. */
  warmupRequests: requestCount(0).default(0),
  requestTimeoutS: inRange('a timeout', L.minDurationS, L.maxRequestTimeoutS, 's').default(300),
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
  maxLatenessP99Ms: z
    .number({ error: `must be a number in (0, ${formatLimit(L.maxLatenessMs)}] ms` })
    .positive({ error: `must be a number in (0, ${formatLimit(L.maxLatenessMs)}] ms` })
    .max(L.maxLatenessMs, { error: `must be a number in (0, ${formatLimit(L.maxLatenessMs)}] ms` })
    .default(10),
  maxFailureRate: z.number().min(0).max(1).default(0.1),
  /** Worker threads sending load; 'auto' shards when one thread could not keep up. */
  workers: z
    .union([z.literal('auto'), inRange('an integer', 1, L.maxWorkers, '', true)], {
      error: `must be 'auto' or an integer in [1, ${L.maxWorkers}]`,
    })
    .default('auto'),
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
