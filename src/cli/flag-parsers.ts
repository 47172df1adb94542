import { InvalidArgumentError } from 'commander';
import { formatLimit as fmt, loadLimits as L } from '../config/load-limits.ts';
import { MAX_PREFIXES, MAX_TOKENS } from '../datasets/spec.ts';
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

/*
 * The flags that set a count, a rate, a duration or a wait take the load profile's ranges
 * (config/load-limits.ts, datasets/spec.ts), so a flag is refused with its range right away.
 */
const inRange = (min: number, max: number) => (n: number) => n >= min && n <= max;
/** An integer in [min, max], expected as `<what> up to <max>`. */
const intIn = (min: number, max: number, what: string) => (value: string) =>
  number(value, `${what} up to ${fmt(max)}`, (n) => Number.isInteger(n) && inRange(min, max)(n));

/** Measured requests (`--num-prompts`). */
export const requestCount = intIn(1, L.maxRequests, 'a positive integer');
/** Warm-up requests (`--num-warmups`). */
export const warmupCount = intIn(0, L.maxRequests, 'an integer >= 0');
/** Closed-loop users or a cap on requests in flight. */
export const concurrency = intIn(1, L.maxConcurrency, 'a positive integer');
/** A token count of a dataset's prompt or output. */
export const tokenCount = intIn(1, MAX_TOKENS, 'a positive integer');
export const tokenCountOrZero = intIn(0, MAX_TOKENS, 'an integer >= 0');
export const prefixCount = intIn(1, MAX_PREFIXES, 'a positive integer');

/** A rate in requests per second. */
export const rate = (value: string) =>
  number(value, `a rate in [${fmt(L.minRate)}, ${fmt(L.maxRate)}] req/s`, inRange(L.minRate, L.maxRate));
/** How long to send (`--duration`). */
export const runSeconds = (value: string) =>
  number(
    value,
    `seconds in [${L.minDurationS}, ${fmt(L.maxDurationS)}]`,
    inRange(L.minDurationS, L.maxDurationS),
  );
/** A request's timeout. */
export const timeoutSeconds = (value: string) =>
  number(
    value,
    `seconds in [${L.minDurationS}, ${fmt(L.maxRequestTimeoutS)}]`,
    inRange(L.minDurationS, L.maxRequestTimeoutS),
  );
/** Seconds to wait for the server before a run (0: no wait). */
export const waitSeconds = (value: string) =>
  number(
    value,
    `an integer of seconds in [0, ${fmt(L.maxRequestTimeoutS)}]`,
    (n) => Number.isInteger(n) && inRange(0, L.maxRequestTimeoutS)(n),
  );
/** The client timing check's allowance (`--max-lateness-ms`). */
export const latenessMs = (value: string) =>
  number(value, `a number of ms in (0, ${fmt(L.maxLatenessMs)}]`, (n) => n > 0 && n <= L.maxLatenessMs);

/** `inf` or a rate in requests per second (vLLM parses it as a Python float). */
export function requestRate(value: string): number {
  if (isInf(value)) return Number.POSITIVE_INFINITY;
  return number(
    value,
    `'inf' or a rate in [${fmt(L.minRate)}, ${fmt(L.maxRate)}] req/s`,
    inRange(L.minRate, L.maxRate),
  );
}

/** vLLM's `--burstiness`: a Gamma shape, or `inf` for evenly spaced arrivals. */
export function burstiness(value: string): number {
  if (isInf(value)) return Number.POSITIVE_INFINITY;
  return number(
    value,
    `a number in [${L.minBurstiness}, ${fmt(L.maxBurstiness)}] or 'inf'`,
    inRange(L.minBurstiness, L.maxBurstiness),
  );
}

export function workers(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  return number(
    value,
    `'auto' or a positive integer up to ${L.maxWorkers}`,
    (n) => Number.isInteger(n) && n > 0 && n <= L.maxWorkers,
  );
}

/** An http(s) URL (the server root). */
export function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // The URL parser's only word is "Invalid URL": name the usual culprit, a port out of range.
    const port = /^[a-z]+:\/\/[^/:]+:(\d+)/i.exec(value)?.[1];
    const why = port !== undefined && Number(port) > 65535 ? ` (its port ${port} is not in 1-65535)` : '';
    throw new InvalidArgumentError(`expected an http:// or https:// URL, got '${value}'${why}.`);
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
