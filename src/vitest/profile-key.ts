import { createHash } from 'node:crypto';
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
