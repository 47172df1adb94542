import type { PointResult } from './schema.ts';

/**
 * Typed reads of a point's `summary`, which the schema keeps open (`Record<string, unknown>`) so that
 * any vLLM-style key passes through. Missing, non-numeric or non-finite values read as null.
 */
export function metric(point: PointResult, key: string): number | null {
  const v = point.summary[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The 95% CI stored for `key` in `summary.ci95` (e.g. `p99_ttft_ms`), if any. */
export function metricCi(point: PointResult, key: string): [number, number] | null {
  const all = point.summary.ci95;
  if (typeof all !== 'object' || all === null) return null;
  const ci = (all as Record<string, unknown>)[key];
  if (!Array.isArray(ci) || ci.length !== 2) return null;
  const [lo, hi] = ci as unknown[];
  return typeof lo === 'number' && typeof hi === 'number' && Number.isFinite(lo) && Number.isFinite(hi)
    ? [lo, hi]
    : null;
}

/**
 * The other variant of a TTFT or E2EL key: `p99_queued_ttft_ms` (from the scheduled send, with any
 * client queueing) <-> `p99_ttft_ms` (vLLM's, from the actual send). Null for other keys.
 */
export function otherLatencyVariant(key: string): string | null {
  const m = /^(mean|median|std|p\d+(?:\.\d+)?)_(queued_)?(ttft|e2el)_ms$/.exec(key);
  if (!m) return null;
  const [, stat, queued, name] = m as unknown as [string, string, string | undefined, string];
  return queued ? `${stat}_${name}_ms` : `${stat}_queued_${name}_ms`;
}
