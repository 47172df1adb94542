import { createHash } from 'node:crypto';
import { describeSlo } from '../capacity/describe-slo.ts';
import type { CapacitySearch, CapacitySlo, ProbeBase } from '../capacity/spec.ts';
import type { LoadProfile } from '../config/load-profile.ts';

/**
 * The load-profile fields that shape the load a server gets, in the order the key's hash reads
 * them: where requests go, when they arrive, how many, what they ask for. Change one and the
 * baseline key changes (a new point). Nothing else enters the key:
 *
 * - report-only settings: `percentiles`, `percentileMetrics`, `goodput`, `maxLatenessP99Ms`,
 *   `maxFailureRate` (what is computed and when a run counts as invalid), and `requestTimeoutS`
 *   (when the client gives up on a request, not what it asks);
 * - where and how the client runs: `baseUrl`, `headers`, `workers`; `model` is a key field of its own.
 *
 * A field added to the profile schema stays out of the key until it is listed here.
 */
export const shapingFields = [
  'endpoint',
  'arrival',
  'maxConcurrency',
  'requests',
  'durationS',
  'warmupRequests',
  'seed',
  'dataset',
  'ignoreEos',
  'continuousUsageStats',
  'extraBody',
] as const;

/** Load-profile fields that never enter the key (see shapingFields for why); `model` is a key field. */
export const reportOnlyFields = [
  'percentiles',
  'percentileMetrics',
  'goodput',
  'maxLatenessP99Ms',
  'maxFailureRate',
  'requestTimeoutS',
  'baseUrl',
  'headers',
  'workers',
] as const;

/**
 * Keys recorded before the key was narrowed to the shaping fields hashed the whole profile, with
 * the report-only settings at their defaults in every committed baseline. The hash input keeps
 * that layout, with those settings pinned to those defaults: committed keys stay valid, and
 * changing what is reported no longer changes any key.
 */
const pinnedLayout = {
  requestTimeoutS: 300,
  headers: {},
  percentiles: [50, 90, 95, 99, 99.9],
  percentileMetrics: ['ttft', 'tpot', 'itl', 'e2el'],
  maxLatenessP99Ms: 10,
  maxFailureRate: 0.1,
} as const;

type Shaping = Partial<Pick<LoadProfile, (typeof shapingFields)[number]>>;

/** The hash input: shaping fields and pinned report-only settings, in the layout keys always had. */
function hashInput(p: Shaping): Record<string, unknown> {
  return {
    endpoint: p.endpoint,
    arrival: p.arrival,
    maxConcurrency: p.maxConcurrency,
    requests: p.requests,
    durationS: p.durationS,
    warmupRequests: p.warmupRequests,
    requestTimeoutS: pinnedLayout.requestTimeoutS,
    seed: p.seed,
    dataset: p.dataset,
    ignoreEos: p.ignoreEos,
    continuousUsageStats: p.continuousUsageStats,
    extraBody: p.extraBody,
    headers: pinnedLayout.headers,
    percentiles: pinnedLayout.percentiles,
    percentileMetrics: pinnedLayout.percentileMetrics,
    maxLatenessP99Ms: pinnedLayout.maxLatenessP99Ms,
    maxFailureRate: pinnedLayout.maxFailureRate,
  };
}

const hash = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 8);

/**
 * A stable, readable description of what a load profile holds fixed, for baseline keys:
 * "poisson 4 req/s · 100 requests · sharegpt(fixtures/sharegpt-small.json) · seed 0 · #1a2b3c4d".
 * The hash covers the fields that shape the load (`shapingFields`), so changing one gives a new key
 * and changing what is reported does not.
 */
export function describeProfile(profile: LoadProfile): string {
  const a = profile.arrival;
  const arrival =
    a.kind === 'concurrency'
      ? `concurrency ${a.concurrency}`
      : a.kind === 'infinite'
        ? 'all at once'
        : 'rate' in a
          ? `${a.kind} ${a.rate} req/s`
          : a.kind;
  const bound = [
    profile.requests !== undefined ? `${profile.requests} requests` : null,
    profile.durationS !== undefined ? `${profile.durationS} s` : null,
  ]
    .filter(Boolean)
    .join(' / ');
  const dataset =
    'path' in profile.dataset ? `${profile.dataset.name}(${profile.dataset.path})` : profile.dataset.name;
  return `${arrival} · ${bound} · ${dataset} · seed ${profile.seed} · #${hash(hashInput(profile))}`;
}

/**
 * The baseline key's profile for a capacity experiment: what is swept, under which SLO and with
 * which load, e.g. "request-rate (poisson) under ttft<=200ms,tpot<=50ms@0.95 · random · seed 0 · #1a2b3c4d".
 * Search settings that only change how fast the answer is found (precision, probe counts) stay out,
 * and so do the report-only profile settings, as for load points.
 */
export function describeCapacity(base: ProbeBase, slo: CapacitySlo, search: CapacitySearch): string {
  const { arrival: _a, requests: _r, durationS: _d, ...shaping } = hashInput(base);
  const swept = { variable: search.variable, arrival: search.arrival, burstiness: search.burstiness };
  const dataset = 'path' in base.dataset ? `${base.dataset.name}(${base.dataset.path})` : base.dataset.name;
  const arrival = search.variable === 'request-rate' ? ` (${search.arrival})` : '';
  return `${search.variable}${arrival} under ${describeSlo(slo)} · ${dataset} · seed ${base.seed} · #${hash({ shaping, slo, swept })}`;
}
