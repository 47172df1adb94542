import { formatTick, tickUnitFor } from './format.ts';
import { linearTicks, logTicks, type Ticks } from './ticks.ts';

/** Maps data values to pixels along one axis, with the ticks and labels to draw. */
export interface Scale {
  log: boolean;
  ticks: Ticks;
  /** Pixel position of `v`; NaN when `v` cannot be shown (non-finite, or <= 0 on a log axis). */
  px(v: number): number;
  label(v: number): string;
}

export interface ScaleOptions {
  log?: boolean;
  /** Extend a linear domain to 0 (honest magnitudes for throughput and latency). */
  includeZero?: boolean;
  integer?: boolean;
  /** About how many tick intervals. */
  count?: number;
}

/** Whether a value can be placed on the axis. */
export const showable = (v: number, log: boolean) => Number.isFinite(v) && (!log || v > 0);

/**
 * A scale over `values` (the ones that cannot be shown are ignored) onto pixels `from..to`; `to` may be
 * smaller than `from` (y axes grow upwards). A log scale with no positive values falls back to linear.
 */
export function makeScale(
  values: readonly number[],
  from: number,
  to: number,
  options: ScaleOptions = {},
): Scale {
  const log = (options.log ?? false) && values.some((v) => showable(v, true));
  const shown = values.filter((v) => showable(v, log));
  let lo = Math.min(...shown);
  let hi = Math.max(...shown);
  if (shown.length === 0) [lo, hi] = log ? [1, 10] : [0, 1];
  if (!log && options.includeZero) [lo, hi] = [Math.min(lo, 0), Math.max(hi, 0)];
  const ticks = log
    ? logTicks(lo, hi)
    : linearTicks(lo, hi, { count: options.count ?? 5, integer: options.integer ?? false });
  const t = log ? Math.log10 : (v: number) => v;
  const t0 = t(ticks.min);
  const span = t(ticks.max) - t0 || 1;
  const unit = log ? undefined : tickUnitFor(Math.max(Math.abs(ticks.min), Math.abs(ticks.max)));
  return {
    log,
    ticks,
    px: (v) => (showable(v, log) ? from + ((t(v) - t0) / span) * (to - from) : Number.NaN),
    // Log ticks differ in magnitude, so each takes the unit and decimals its own size needs.
    label: (v) =>
      unit === undefined ? formatTick(v, v, tickUnitFor(Math.abs(v), true)) : formatTick(v, ticks.step, unit),
  };
}
