import type { Rng } from '../../core/rng.ts';
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

/**
 * A fixed rate as `vllm bench serve` offers it (`get_request` in vllm/benchmarks/serve.py): for N
 * requests it draws N gaps, the first being the first request's delay, and rescales their running
 * sum so that the last send lands at exactly N / rate (`target_total_delay_s`). Unscaled, a seed's
 * sends can span 15% less or more than that, so the same command line would offer another load.
 * The first request's delay is drawn after the gaps, so a seed keeps the gaps it gave before the
 * rescaling (the draws are independent, so the order does not change the distribution).
 *
 * A run bounded by `untilS` (a duration) keeps the unscaled process: its count is only an upper
 * bound on what fits in the duration, so N / rate is no target there (vLLM has no duration bound).
 */
export function vllmFixedRate(rate: number, dispersion: Dispersion): ArrivalProcess {
  const unscaled = rescaledArrivals(constantRate(rate), dispersion);
  return {
    schedule(count, rng, untilS) {
      if (untilS !== undefined && Number.isFinite(untilS)) return unscaled.schedule(count, rng, untilS);
      if (count <= 0) return [];
      const sends = unscaled.schedule(count, rng); // 0, then the running sum of N - 1 gaps
      const firstDelay =
        (dispersion.kind === 'constant' ? 1 : rng.gamma(dispersion.burstiness, 1 / dispersion.burstiness)) /
        rate;
      const last = (sends[sends.length - 1] as number) + firstDelay;
      if (!(last > 0)) return sends;
      const target = count / rate;
      // target * (t / last), not t * factor: the last send is then exactly N / rate.
      return sends.map((t) => target * ((t + firstDelay) / last));
    },
  };
}

export const poisson = (rate: number): ArrivalProcess =>
  vllmFixedRate(rate, { kind: 'gamma', burstiness: 1 });

/** vLLM's `--burstiness`: shape = burstiness, scale = 1/(rate*burstiness). */
export const gamma = (rate: number, burstiness: number): ArrivalProcess =>
  vllmFixedRate(rate, { kind: 'gamma', burstiness });

/** vLLM's `--burstiness inf`: every gap 1/rate, so the sends are at 1/rate, 2/rate, ... N/rate. */
export const constant = (rate: number): ArrivalProcess => vllmFixedRate(rate, { kind: 'constant' });

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
