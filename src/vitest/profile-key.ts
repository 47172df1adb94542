import { createHash } from 'node:crypto';
import { describeSlo } from '../capacity/describe-slo.ts';
import type { CapacitySearch, CapacitySlo, ProbeBase } from '../capacity/spec.ts';
import type { LoadProfile } from '../config/load-profile.ts';

/**
 * A stable, readable description of what a load profile holds fixed, for baseline keys:
 * "poisson 4 req/s · 100 requests · sharegpt(fixtures/sharegpt-small.json) · seed 0 · #1a2b3c4d".
 * The hash covers every field that shapes the load, so any change gives a new key.
 */
export function describeProfile(profile: LoadProfile): string {
  const { baseUrl: _url, model: _model, workers: _workers, ...shaping } = profile;
  const hash = createHash('sha256').update(JSON.stringify(shaping)).digest('hex').slice(0, 8);
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
  return `${arrival} · ${bound} · ${dataset} · seed ${profile.seed} · #${hash}`;
}

/**
 * The baseline key's profile for a capacity experiment: what is swept, under which SLO and with
 * which load, e.g. "request-rate (poisson) under ttft<=200ms,tpot<=50ms@0.95 · random · seed 0 · #1a2b3c4d".
 * Search settings that only change how fast the answer is found (precision, probe counts) stay out.
 */
export function describeCapacity(base: ProbeBase, slo: CapacitySlo, search: CapacitySearch): string {
  const { baseUrl: _url, model: _model, workers: _workers, ...shaping } = base;
  const swept = { variable: search.variable, arrival: search.arrival, burstiness: search.burstiness };
  const hash = createHash('sha256').update(JSON.stringify({ shaping, slo, swept })).digest('hex').slice(0, 8);
  const dataset = 'path' in base.dataset ? `${base.dataset.name}(${base.dataset.path})` : base.dataset.name;
  const arrival = search.variable === 'request-rate' ? ` (${search.arrival})` : '';
  return `${search.variable}${arrival} under ${describeSlo(slo)} · ${dataset} · seed ${base.seed} · #${hash}`;
}
