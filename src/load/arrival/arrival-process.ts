import type { Rng } from '../rng.ts';
import { constantRate, exponentialRamp, linearRamp, type RateShape, stepRates } from './rate-shape.ts';

/**
 * Produces send times (seconds from the run's start) for an open-loop run. Closed-loop
 * concurrency has no arrival process: the engine sends when a slot frees.
 */
export interface ArrivalProcess {
  /** Send offsets in seconds for the first `count` requests, ascending, stopping past `untilS`. */
  schedule(count: number, rng: Rng, untilS?: number): number[];
}

/**
 * How arrivals scatter around the rate shape, in the unit-rate (rescaled) time:
 * `burstiness` b gives Gamma(b, 1/b) gaps as in vLLM (b = 1 is Poisson; b → ∞ is constant).
 */
export type Dispersion = { kind: 'constant' } | { kind: 'gamma'; burstiness: number };

export function rescaledArrivals(shape: RateShape, dispersion: Dispersion): ArrivalProcess {
  return {
    schedule(count, rng, untilS = Number.POSITIVE_INFINITY) {
      const out: number[] = [];
      let unitTime = 0;
      for (let i = 0; i < count; i++) {
        // The first request goes at t = 0 (as vLLM does when it starts the clock on the first send).
        if (i > 0) {
          unitTime +=
            dispersion.kind === 'constant' ? 1 : rng.gamma(dispersion.burstiness, 1 / dispersion.burstiness);
        }
        const t = shape.inverseCumulative(unitTime);
        if (t > untilS) break;
        out.push(t);
      }
      return out;
    },
  };
}

export const poisson = (rate: number): ArrivalProcess =>
  rescaledArrivals(constantRate(rate), { kind: 'gamma', burstiness: 1 });

/** vLLM's `--burstiness`: shape = burstiness, scale = 1/(rate*burstiness). */
export const gamma = (rate: number, burstiness: number): ArrivalProcess =>
  rescaledArrivals(constantRate(rate), { kind: 'gamma', burstiness });

export const constant = (rate: number): ArrivalProcess =>
  rescaledArrivals(constantRate(rate), { kind: 'constant' });

/** Everything at once (vLLM's `--request-rate inf`). */
export const infinite = (): ArrivalProcess => ({
  schedule: (count) => new Array<number>(count).fill(0),
});

/** `size` requests at once every `intervalS` seconds. */
export const bursts = (size: number, intervalS: number): ArrivalProcess => ({
  schedule(count, _rng, untilS = Number.POSITIVE_INFINITY) {
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = Math.floor(i / size) * intervalS;
      if (t > untilS) break;
      out.push(t);
    }
    return out;
  },
});

export { constantRate, exponentialRamp, linearRamp, stepRates };
