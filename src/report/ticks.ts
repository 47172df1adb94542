/** Axis domains and tick positions on 1-2-5 steps, for linear and log axes. */
export interface Ticks {
  /** The axis domain: the outermost ticks, which enclose the data. */
  min: number;
  max: number;
  /** Distance between ticks (linear), or the smallest tick (log), for choosing label decimals. */
  step: number;
  values: number[];
}

export interface LinearTickOptions {
  /** About how many intervals to aim for. */
  count?: number;
  /** Ticks only at whole numbers (GPU counts, concurrency). */
  integer?: boolean;
}

// Thresholds between the 1, 2, 5 and 10 multipliers, as in d3-array: the nearest one in log space wins.
const E10 = Math.sqrt(50);
const E5 = Math.sqrt(10);
const E2 = Math.sqrt(2);

/** A step of 1, 2 or 5 times a power of ten near `rough`. */
export function niceStep(rough: number): number {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1;
  const power = 10 ** Math.floor(Math.log10(rough));
  const error = rough / power;
  const factor = error >= E10 ? 10 : error >= E5 ? 5 : error >= E2 ? 2 : 1;
  return factor * power;
}

/** Removes float noise such as 0.30000000000000004 so labels and equality checks behave. */
const clean = (v: number) => Number.parseFloat(v.toPrecision(12));

export function linearTicks(lo: number, hi: number, options: LinearTickOptions = {}): Ticks {
  const count = Math.max(1, options.count ?? 5);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) {
    // One value (or all equal): centre it in a small band rather than divide by zero.
    const pad = Math.max(lo === 0 ? 1 : Math.abs(lo) * 0.1, options.integer ? 1 : 0);
    lo -= pad;
    hi += pad;
  }
  let step = niceStep((hi - lo) / count);
  if (options.integer) step = Math.max(1, Math.round(step));
  const first = Math.floor(clean(lo / step)) * step;
  const last = Math.ceil(clean(hi / step)) * step;
  const n = Math.round((last - first) / step);
  const values = Array.from({ length: n + 1 }, (_, i) => clean(first + i * step));
  return { min: clean(first), max: clean(last), step, values };
}

const mantissas = [1, 2, 5] as const;

/** The largest 1-2-5 value <= v (down) or smallest >= v (up), for a tight log domain. */
function snap125(v: number, direction: 'down' | 'up'): number {
  const e = Math.floor(Math.log10(v));
  const candidates = [...mantissas, 10].map((m) => clean(m * 10 ** e));
  if (direction === 'down') return candidates.filter((c) => c <= v * (1 + 1e-12)).at(-1) ?? 10 ** e;
  return candidates.find((c) => c >= v * (1 - 1e-12)) ?? 10 ** (e + 1);
}

/**
 * Log-axis ticks for positive `lo..hi`: 1-2-5 per decade over up to three decades, powers of ten
 * beyond that (every k-th power past nine decades).
 */
export function logTicks(lo: number, hi: number): Ticks {
  if (!(lo > 0) || !Number.isFinite(lo)) lo = hi > 0 && Number.isFinite(hi) ? hi / 10 : 1;
  if (!(hi > 0) || !Number.isFinite(hi)) hi = lo * 10;
  if (lo > hi) [lo, hi] = [hi, lo];
  let min = snap125(lo, 'down');
  let max = snap125(hi, 'up');
  if (min === max) {
    min = snap125(min * 0.99, 'down');
    max = snap125(max * 1.01, 'up');
  }
  let perDecade: readonly number[] = mantissas;
  if (Math.log10(max / min) > 3) {
    // Wide ranges get powers of ten only, and a domain that ends on them so end labels never crowd.
    perDecade = [1];
    min = clean(10 ** Math.floor(Math.log10(min) + 1e-9));
    max = clean(10 ** Math.ceil(Math.log10(max) - 1e-9));
  }
  const firstExp = Math.round(Math.floor(Math.log10(min) + 1e-9));
  const lastExp = Math.round(Math.ceil(Math.log10(max) - 1e-9));
  const every = Math.max(1, Math.ceil((lastExp - firstExp) / 9));
  const values: number[] = [];
  for (let e = firstExp; e <= lastExp; e += every) {
    for (const m of perDecade) {
      const v = clean(m * 10 ** e);
      if (v >= min * (1 - 1e-12) && v <= max * (1 + 1e-12)) values.push(v);
    }
  }
  return { min, max, step: values[0] ?? min, values };
}
