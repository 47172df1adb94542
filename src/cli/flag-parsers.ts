import { InvalidArgumentError } from 'commander';
import type { GoodputSlo, LatencyMetric } from '../metrics/summarize.ts';
import { latencyMetrics } from '../metrics/summarize.ts';

/** Value parsers for commander: each rejects bad input with the expectation spelled out. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive integer, got '${value}'.`);
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`expected an integer >= 0, got '${value}'.`);
  return n;
}

export function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`expected an integer, got '${value}'.`);
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a number > 0, got '${value}'.`);
  return n;
}

export function ratio(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n >= 1)
    throw new InvalidArgumentError(`expected a number in [0, 1), got '${value}'.`);
  return n;
}

/** `inf` or a positive number of requests per second. */
export function requestRate(value: string): number {
  if (value === 'inf') return Number.POSITIVE_INFINITY;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`expected 'inf' or a rate > 0 (req/s), got '${value}'.`);
  return n;
}

/** vLLM's `--goodput ttft:200 tpot:50` (ms), repeatable. */
export function goodputEntry(value: string, previous: GoodputSlo = {}): GoodputSlo {
  const [name, threshold, extra] = value.split(':');
  if (extra !== undefined || (name !== 'ttft' && name !== 'tpot' && name !== 'e2el')) {
    throw new InvalidArgumentError(`expected KEY:MS with KEY one of ttft, tpot, e2el, got '${value}'.`);
  }
  const ms = Number(threshold);
  if (!Number.isFinite(ms) || ms <= 0)
    throw new InvalidArgumentError(`expected a threshold in ms > 0 in '${value}'.`);
  return { ...previous, [name]: ms };
}

/** vLLM's `--percentile-metrics ttft,tpot,itl`. */
export function metricList(value: string): LatencyMetric[] {
  const names = value.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!(latencyMetrics as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(
        `expected a comma-separated list of ${latencyMetrics.join(', ')}, got '${name}'.`,
      );
    }
  }
  return names as LatencyMetric[];
}

/** vLLM's `--metric-percentiles 50,90,99`. */
export function percentileList(value: string): number[] {
  return value.split(',').map((s) => {
    const p = Number(s.trim());
    if (!Number.isFinite(p) || p < 0 || p > 100) {
      throw new InvalidArgumentError(`expected comma-separated percentiles in [0, 100], got '${s}'.`);
    }
    return p;
  });
}
