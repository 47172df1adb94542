import { z } from 'zod';
import { type LoadProfileInput, loadProfileFields } from '../config/load-profile.ts';

const positive = z.number().positive();
const share = z.number().gt(0).lt(1);

/** Percentile limits in ms for one latency metric, as in `toMeetSLO`: `{ p99: 200 }`. */
const percentileLimits = z.strictObject({
  p50: positive.optional(),
  p75: positive.optional(),
  p90: positive.optional(),
  p95: positive.optional(),
  p99: positive.optional(),
  'p99.9': positive.optional(),
});

/**
 * The SLO a capacity search holds the server to. Per-request objectives in vLLM's `--goodput`
 * form (ms) with the share of requests that must meet all of them; percentile objectives; an
 * error-rate limit. Failed requests count as not good, and as beyond every percentile limit.
 */
export const capacitySloSchema = z
  .strictObject({
    /** Per-request limits (ms): a request is good when it meets every one (vLLM's `--goodput`). */
    goodput: z
      .strictObject({ ttft: positive.optional(), tpot: positive.optional(), e2el: positive.optional() })
      .optional(),
    /** Share of requests that must be good (`--slo-attainment`). */
    attainment: share.default(0.95),
    /** Percentile limits (ms): `{ ttft: { p99: 200 } }`. */
    percentiles: z
      .strictObject({
        ttft: percentileLimits.optional(),
        tpot: percentileLimits.optional(),
        e2el: percentileLimits.optional(),
      })
      .optional(),
    /** Largest share of failed requests (`--max-error-rate`). */
    maxErrorRate: z.number().min(0).lt(1).optional(),
    /**
     * Which latency the objectives judge: `queued` from when the request was due (what users feel,
     * queue wait included: no coordinated omission), or `sent` from when it went out (vLLM's).
     */
    latency: z.enum(['queued', 'sent']).default('queued'),
  })
  .refine(
    (s) =>
      (s.goodput && Object.values(s.goodput).some((v) => v !== undefined)) ||
      (s.percentiles && Object.values(s.percentiles).some((p) => p && Object.keys(p).length > 0)) ||
      s.maxErrorRate !== undefined,
    {
      message: 'give at least one objective: goodput limits, percentile limits or maxErrorRate',
      path: ['goodput'],
    },
  );

/** How probes arrive: open-loop arrivals at a swept rate, or a swept closed-loop concurrency. */
export const capacitySearchSchema = z.strictObject({
  /** The swept variable. */
  variable: z.enum(['request-rate', 'concurrency']).default('request-rate'),
  /** Arrivals of a request-rate probe (vLLM's `--burstiness`: 1 is Poisson). */
  arrival: z.enum(['poisson', 'gamma', 'constant']).default('poisson'),
  burstiness: positive.default(1),
  /**
   * `search`: a saturating probe for an upper bound, then a bracket refined to `precision`.
   * `adaptive`: back-to-back windows on the warm server, raising the load while the SLO holds,
   * backing off at the first failing window and holding at the boundary (cheap PR checks).
   */
  mode: z.enum(['search', 'adaptive']).default('search'),
  /** First load tried when no saturating probe sets the scale (req/s or concurrency). */
  start: positive.optional(),
  /** Highest load ever offered (req/s or concurrency). */
  max: positive.default(1024),
  /** Stop when (min_failing - max_passing) / max_passing <= precision. */
  precision: z.number().gt(0).lt(1).default(0.05),
  /** Stop after this many load runs (every extension of a probe counts as one). */
  maxProbes: z.int().positive().default(12),
  /** Confidence of every probe's interval. */
  confidence: z.number().gt(0.5).lt(1).default(0.95),
  /** Smallest judged requests per probe, and the cap an undecided probe may be lengthened to. */
  minRequests: z.int().positive().default(100),
  maxRequests: z.int().positive().default(2000),
  /** A probe at a low rate is cut to this many seconds of judged load. */
  maxProbeDurationS: positive.default(120),
  /** Share of a probe's requests left out at its start (ramp-up) and at its end (drain). */
  warmupShare: z.number().min(0).lt(0.5).default(0.1),
  drainShare: z.number().min(0).lt(0.5).default(0.1),
  /**
   * A rate probe's warm-up lasts at least this many request latencies (the shortest typical
   * latency measured so far), so a server that holds many requests reaches its steady queue first.
   */
  warmupLatencies: z.number().min(0).default(5),
  /** A rate probe's judged window spans at least this many request latencies (within maxRequests). */
  windowLatencies: z.number().min(0).default(10),
});

/** The load every probe shares: a suite's or CLI's profile without arrival and count. */
export const probeBaseSchema = loadProfileFields.omit({ arrival: true, requests: true, durationS: true });

export type CapacitySlo = z.infer<typeof capacitySloSchema>;
export type CapacitySloInput = z.input<typeof capacitySloSchema>;
export type CapacitySearch = z.infer<typeof capacitySearchSchema>;
export type CapacitySearchInput = z.input<typeof capacitySearchSchema>;
export type ProbeBaseInput = Omit<LoadProfileInput, 'arrival' | 'requests' | 'durationS'>;
export type ProbeBase = z.infer<typeof probeBaseSchema>;
