import { InvalidArgumentError } from 'commander';
import type { GoodputSlo } from '../metrics/summarize.ts';
import { type ReportedMetric, reportedMetrics } from './client-queue.ts';

/**
 * Value parsers for commander: each rejects bad input with the expectation spelled out, and
 * commander puts the flag in front ("option '--num-prompts <n>' argument 'abc' is invalid. ...").
 */
function number(value: string, expected: string, ok: (n: number) => boolean): number {
  const n = value.trim() === '' ? Number.NaN : Number(value);
  if (!ok(n)) throw new InvalidArgumentError(`expected ${expected}, got '${value}'.`);
  return n;
}

export const positiveInt = (value: string) =>
  number(value, 'a positive integer', (n) => Number.isInteger(n) && n > 0);
export const nonNegativeInt = (value: string) =>
  number(value, 'an integer >= 0', (n) => Number.isInteger(n) && n >= 0);
export const integer = (value: string) => number(value, 'an integer', Number.isInteger);
export const port = (value: string) =>
  number(value, 'a port number (1-65535)', (n) => Number.isInteger(n) && n >= 1 && n <= 65535);
export const positiveNumber = (value: string) =>
  number(value, 'a number > 0', (n) => Number.isFinite(n) && n > 0);
export const nonNegativeNumber = (value: string) =>
  number(value, 'a number >= 0', (n) => Number.isFinite(n) && n >= 0);
export const finiteNumber = (value: string) => number(value, 'a number', Number.isFinite);
export const ratio = (value: string) =>
  number(value, 'a number in [0, 1)', (n) => Number.isFinite(n) && n >= 0 && n < 1);
export const probability = (value: string) =>
  number(value, 'a number in [0, 1]', (n) => Number.isFinite(n) && n >= 0 && n <= 1);
export const topP = (value: string) =>
  number(value, 'a number in (0, 1]', (n) => Number.isFinite(n) && n > 0 && n <= 1);
/** vLLM's top_k: -1 (or 0) turns it off. */
export const topK = (value: string) =>
  number(value, 'an integer >= -1', (n) => Number.isInteger(n) && n >= -1);

const isInf = (value: string) => /^\+?inf(inity)?$/i.test(value.trim());

/** `inf` or a positive number of requests per second (vLLM parses it as a Python float). */
export function requestRate(value: string): number {
  if (isInf(value)) return Number.POSITIVE_INFINITY;
  return number(value, "'inf' or a rate > 0 (req/s)", (n) => Number.isFinite(n) && n > 0);
}

/** vLLM's `--burstiness`: a Gamma shape > 0, or `inf` for evenly spaced arrivals. */
export function burstiness(value: string): number {
  if (isInf(value)) return Number.POSITIVE_INFINITY;
  return number(value, "a number > 0 or 'inf'", (n) => Number.isFinite(n) && n > 0);
}

export function workers(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  return number(value, "'auto' or a positive integer", (n) => Number.isInteger(n) && n > 0);
}

/** An http(s) URL (the server root). */
export function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`expected an http:// or https:// URL, got '${value}'.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(`expected an http:// or https:// URL, got '${value}'.`);
  }
  return value;
}

/** An API path such as /v1/completions. */
export function apiPath(value: string): string {
  if (!value.startsWith('/'))
    throw new InvalidArgumentError(`expected a path starting with '/', got '${value}'.`);
  return value;
}

export function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected a non-empty value.');
  return value;
}

function splitKeyValue(value: string): [string, string] {
  const at = value.indexOf('=');
  const key = value.slice(0, at).trim();
  if (at < 0 || key === '') throw new InvalidArgumentError(`expected KEY=VALUE, got '${value}'.`);
  return [key, value.slice(at + 1).trim()];
}

/** vLLM's `--metadata k=v ...`: repeatable KEY=VALUE, split at the first '=', trimmed. */
export function keyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const [key, val] = splitKeyValue(value);
  return { ...previous, [key]: val };
}

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** vLLM's `--header k=v ...`: KEY=VALUE pairs sent as HTTP headers. */
export function header(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const [name, val] = splitKeyValue(value);
  if (!headerName.test(name)) {
    throw new InvalidArgumentError(`expected KEY=VALUE with KEY an HTTP header name, got '${value}'.`);
  }
  if (/[\r\n\0]/.test(val)) {
    throw new InvalidArgumentError(`expected a header value without line breaks, got '${value}'.`);
  }
  return { ...previous, [name]: val };
}

/** vLLM's `--extra-body '{"k": v}'`: a JSON object merged into every request body. */
export function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`expected a JSON object, got '${value}' (${(error as Error).message}).`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError(`expected a JSON object such as '{"top_k": 20}', got '${value}'.`);
  }
  return parsed as Record<string, unknown>;
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

/** vLLM's `--percentile-metrics ttft,tpot,itl,e2el,client_queue_time,e2el_including_client_queue`. */
export function metricList(value: string): ReportedMetric[] {
  const names = value.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!(reportedMetrics as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(
        `expected a comma-separated list of ${reportedMetrics.join(', ')}, got '${name}'.`,
      );
    }
  }
  return names as ReportedMetric[];
}

/** vLLM's `--metric-percentiles 50,90,99`. */
export function percentileList(value: string): number[] {
  return value.split(',').map((s) => {
    const p = s.trim() === '' ? Number.NaN : Number(s.trim());
    if (!Number.isFinite(p) || p < 0 || p > 100) {
      throw new InvalidArgumentError(`expected comma-separated percentiles in [0, 100], got '${s}'.`);
    }
    return p;
  });
}

/** A share strictly between 0 and 1 (`--slo-attainment 0.95`, `--precision 0.05`). */
export const openShare = (value: string) =>
  number(value, 'a number in (0, 1), e.g. 0.95', (n) => Number.isFinite(n) && n > 0 && n < 1);
/** A share in [0, 1) (`--max-error-rate 0.01`). */
export const shareBelowOne = (value: string) =>
  number(value, 'a number in [0, 1), e.g. 0.01', (n) => Number.isFinite(n) && n >= 0 && n < 1);

/** The percentiles an SLO may name, as the capacity SLO schema takes them. */
export const sloPercentiles = ['p50', 'p75', 'p90', 'p95', 'p99', 'p99.9'] as const;
export type SloPercentile = (typeof sloPercentiles)[number];
export type PercentileSlo = Partial<Record<'ttft' | 'tpot' | 'e2el', Partial<Record<SloPercentile, number>>>>;

/** `--slo-percentile p99_ttft:200 p50_tpot:40` (ms), repeatable: `{ ttft: { p99: 200 }, ... }`. */
export function sloPercentile(value: string, previous: PercentileSlo = {}): PercentileSlo {
  const match = /^(p[0-9.]+)_([a-z0-9]+):([^:]*)$/.exec(value.trim());
  const [, stat, metric, threshold] = match ?? [];
  if (
    !(sloPercentiles as readonly string[]).includes(stat ?? '') ||
    (metric !== 'ttft' && metric !== 'tpot' && metric !== 'e2el')
  ) {
    throw new InvalidArgumentError(
      `expected pNN_METRIC:MS with pNN one of ${sloPercentiles.join(', ')} and METRIC one of ttft, tpot, e2el ` +
        `(e.g. p99_ttft:200), got '${value}'.`,
    );
  }
  const ms = threshold?.trim() === '' ? Number.NaN : Number(threshold);
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new InvalidArgumentError(`expected a limit in ms > 0 in '${value}'.`);
  }
  return { ...previous, [metric]: { ...previous[metric], [stat as SloPercentile]: ms } };
}
