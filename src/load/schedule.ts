import type { Arrival } from '../config/load-profile.ts';
import type { Rng } from '../core/rng.ts';
import {
  type ArrivalProcess,
  bursts,
  constant,
  exponentialRamp,
  gamma,
  infinite,
  linearRamp,
  poisson,
  rescaledArrivals,
  stepRates,
} from './arrival/arrival-process.ts';

export function arrivalProcess(
  arrival: Exclude<Arrival, { kind: 'concurrency' }>,
  count: number,
): ArrivalProcess {
  switch (arrival.kind) {
    case 'poisson':
      return poisson(arrival.rate);
    case 'gamma':
      return gamma(arrival.rate, arrival.burstiness);
    case 'constant':
      return constant(arrival.rate);
    case 'infinite':
      return infinite();
    case 'bursts':
      return bursts(arrival.size, arrival.intervalS);
    case 'steps':
      return rescaledArrivals(stepRates(arrival.steps), dispersion(arrival.burstiness));
    case 'ramp': {
      const { startRate: s, endRate: e, curve } = arrival;
      // Without a duration the ramp ends with the last request, as vLLM's ramp-up does.
      const durationS =
        arrival.durationS ??
        (curve === 'linear' || s === e ? (2 * count) / (s + e) : (count * Math.log(e / s)) / (e - s));
      const shape = curve === 'linear' ? linearRamp(s, e, durationS) : exponentialRamp(s, e, durationS);
      return rescaledArrivals(shape, dispersion(arrival.burstiness));
    }
  }
}

const dispersion = (burstiness: number) => ({ kind: 'gamma', burstiness }) as const;

/** Send offsets in ms for up to `count` requests within `durationS`. */
export function scheduleMs(
  arrival: Exclude<Arrival, { kind: 'concurrency' }>,
  count: number,
  rng: Rng,
  durationS?: number,
): number[] {
  return arrivalProcess(arrival, count)
    .schedule(count, rng, durationS)
    .map((s) => s * 1000);
}

/** Expected requests in `durationS` (upper bound used to size duration-only runs). */
export function expectedCount(arrival: Exclude<Arrival, { kind: 'concurrency' }>, durationS: number): number {
  switch (arrival.kind) {
    case 'poisson':
    case 'gamma':
    case 'constant':
      return arrival.rate * durationS;
    case 'bursts':
      return (Math.floor(durationS / arrival.intervalS) + 1) * arrival.size;
    case 'steps':
      return arrival.steps.reduce((top, s) => Math.max(top, s.rate), 0) * durationS;
    case 'ramp':
      return Math.max(arrival.startRate, arrival.endRate) * durationS;
    case 'infinite':
      return Number.POSITIVE_INFINITY;
  }
}
