import type { CapacityResult } from './result.ts';

/** One probe's load and what it achieved (probes at one load are averaged). */
export interface KneePoint {
  load: number;
  /** Steady completions per second. */
  throughput: number;
  /** Offered rate achieved (rate probes); null for closed loop, where `load` is used. */
  offered: number | null;
}

/** Throughput below this share of the offered rate: the server no longer keeps up. */
const RATE_TRACKING = 0.95;
/** Throughput below this share of linear scaling from the lowest concurrency: adding users stops paying. */
const LINEAR_SCALING = 0.9;

/**
 * The knee: for request rate, the offered load where steady throughput stops tracking the
 * offered rate (throughput / offered crosses 0.95); for concurrency, where throughput falls
 * below 90 % of linear scaling from the lowest probe. Linear interpolation between the probes
 * on either side of the first crossing; null when no crossing is seen (all above, or already
 * below at the lowest load).
 */
export function findKnee(variable: CapacityResult['variable'], points: readonly KneePoint[]): number | null {
  const byLoad = new Map<number, KneePoint[]>();
  for (const p of points) byLoad.set(p.load, [...(byLoad.get(p.load) ?? []), p]);
  const merged = [...byLoad.entries()]
    .map(([load, ps]) => ({
      load,
      throughput: ps.reduce((s, p) => s + p.throughput, 0) / ps.length,
      offered: ps.every((p) => p.offered !== null)
        ? ps.reduce((s, p) => s + (p.offered as number), 0) / ps.length
        : load,
    }))
    .sort((a, b) => a.load - b.load);
  const lowest = merged[0];
  if (!lowest || lowest.load <= 0) return null;
  const rate = variable === 'request-rate';
  const threshold = rate ? RATE_TRACKING : LINEAR_SCALING;
  const ratio = (p: (typeof merged)[number]) =>
    rate
      ? p.offered > 0
        ? p.throughput / p.offered
        : 0
      : lowest.throughput > 0
        ? p.throughput / ((lowest.throughput * p.load) / lowest.load)
        : 0;
  for (let i = 1; i < merged.length; i++) {
    const a = merged[i - 1] as (typeof merged)[number];
    const b = merged[i] as (typeof merged)[number];
    const ra = ratio(a);
    const rb = ratio(b);
    if (ra < threshold) return null;
    if (rb < threshold) return a.load + ((ra - threshold) / (ra - rb)) * (b.load - a.load);
  }
  return null;
}
