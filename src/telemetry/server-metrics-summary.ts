import type { RequestRecord } from '../metrics/record.ts';
import { histogramQuantile, labelValue, type PromSample, parsePromNumber } from './prometheus-text.ts';
import type {
  ServerCounter,
  ServerCounterField,
  ServerCrossCheck,
  ServerEngine,
  ServerGauge,
  ServerHistogram,
  ServerMetrics,
} from './schema.ts';
import {
  type Across,
  COUNTER_NAMES,
  type EngineNames,
  engineOf,
  GAUGE_NAMES,
  HISTOGRAM_NAMES,
} from './server-metrics-names.ts';

/** Before the load, while it runs, after it. */
export type ScrapePhase = 'start' | 'during' | 'end';

/** One GET /metrics: the samples of the known names, or why there are none. */
export interface Scrape {
  /** Seconds since the scraper started. */
  atS: number;
  phase: ScrapePhase;
  samples?: PromSample[];
  error?: string;
}

/** What a scraper collected over one point. */
export interface ScrapeLog {
  endpoint: string;
  intervalMs: number;
  scrapes: readonly Scrape[];
  /** Set when the server has no usable /metrics (404, no known names): scraping stopped. */
  unavailable?: string;
}

/** The client's own counts for the same point, to compare the server's with. */
export interface ClientCounts {
  /** Requests sent (warm-up and failed ones included). */
  requests: number;
  failed: number;
  /** Output tokens the client received, summed over every request. */
  outputTokens: number;
}

/** Server and client counts further apart than this (relative) are a warning. */
export const CROSS_CHECK_TOLERANCE = 0.05;
/** ... unless they differ by no more than this many units (tiny points). */
const CROSS_CHECK_SLACK = 2;

export function clientCounts(records: readonly RequestRecord[]): ClientCounts {
  let failed = 0;
  let outputTokens = 0;
  for (const r of records) {
    if (!r.ok) failed++;
    outputTokens += r.output_tokens;
  }
  return { requests: records.length, failed, outputTokens };
}

/** Values of one series per scrape (undefined where the scrape lacks it). */
type Track = Array<number | undefined>;

/** The scrapes' samples by name, then by label text. */
function index(scrapes: readonly Scrape[]): Array<Map<string, Map<string, number>>> {
  return scrapes.map((s) => {
    const byName = new Map<string, Map<string, number>>();
    for (const x of s.samples ?? []) {
      let series = byName.get(x.name);
      if (!series) {
        series = new Map();
        byName.set(x.name, series);
      }
      series.set(x.labels, x.value);
    }
    return byName;
  });
}

/**
 * A counter's increase over the tracked scrapes, as Prometheus's increase(): a value lower than
 * the one before means the counter restarted from zero. A series that first appears after the
 * first scrape was created during the window and counts from zero.
 */
export function counterIncrease(track: Track): { increase: number; reset: boolean } {
  let increase = 0;
  let reset = false;
  let prev: number | undefined;
  track.forEach((v, i) => {
    if (v === undefined || !Number.isFinite(v)) return;
    if (prev === undefined) {
      if (i > 0) increase += v;
    } else if (v >= prev) increase += v - prev;
    else {
      increase += v;
      reset = true;
    }
    prev = v;
  });
  return { increase, reset };
}

/** A histogram's _sum over the tracked scrapes: differences, restarting from zero where its _count went back. */
export function sumIncrease(sum: Track, count: Track): number {
  let increase = 0;
  let prev: number | undefined;
  let prevCount: number | undefined;
  sum.forEach((v, i) => {
    if (v === undefined || !Number.isFinite(v)) return;
    const c = count[i];
    if (prev === undefined) {
      if (i > 0) increase += v;
    } else if (c !== undefined && prevCount !== undefined && c < prevCount) increase += v;
    else increase += v - prev;
    prev = v;
    prevCount = c;
  });
  return increase;
}

/** Summarises one point's scrapes into engine-neutral fields, and compares them with the client. */
export function summarizeServerMetrics(log: ScrapeLog, client?: ClientCounts): ServerMetrics {
  const ok = log.scrapes.filter((s) => s.samples !== undefined);
  const failed = log.scrapes.filter((s) => s.samples === undefined);
  const base: ServerMetrics = {
    source: 'prometheus',
    endpoint: log.endpoint,
    engine: null,
    available: false,
    intervalMs: log.intervalMs,
    windowS: ok.length > 0 ? (ok.at(-1)?.atS ?? 0) - (ok[0]?.atS ?? 0) : 0,
    scrapes: log.scrapes.length,
    failedScrapes: failed.length,
    counters: {},
    gauges: {},
    histograms: {},
    crossChecks: [],
    warnings: [],
    rawFile: null,
  };
  const firstError = failed[0]?.error;
  if (log.unavailable) return { ...base, reason: log.unavailable };
  if (ok.length === 0)
    return { ...base, reason: `no scrape of ${log.endpoint} succeeded: ${firstError ?? 'none taken'}` };
  const engine = engineOf(new Set(ok.flatMap((s) => (s.samples ?? []).map((x) => x.name))));
  if (!engine)
    return {
      ...base,
      reason: `${log.endpoint} has none of vLLM's (vllm:*) or llama.cpp's (llamacpp:*) known metrics`,
    };
  if (ok.length < 2) {
    return {
      ...base,
      engine,
      reason: `only one scrape of ${log.endpoint} succeeded (${firstError ?? 'the others were not taken'})`,
    };
  }

  const pages = index(ok);
  const present = (names: EngineNames): string | null =>
    names[engine]?.find((n) => pages.some((p) => p.has(n)) || pages.some((p) => p.has(`${n}_count`))) ?? null;
  const tracks = (name: string): Map<string, Track> => {
    const out = new Map<string, Track>();
    pages.forEach((page, i) => {
      for (const [labels, value] of page.get(name) ?? []) {
        let track = out.get(labels);
        if (!track) {
          track = new Array(pages.length).fill(undefined);
          out.set(labels, track);
        }
        track[i] = value;
      }
    });
    return out;
  };
  let reset = false;
  const increaseOf = (name: string): number | null => {
    const series = tracks(name);
    if (series.size === 0) return null;
    let total = 0;
    for (const track of series.values()) {
      const r = counterIncrease(track);
      total += r.increase;
      reset ||= r.reset;
    }
    return total;
  };

  // A histogram's _sum may go down (negative observations): only its _count tells a reset.
  const sumOf = (name: string): number | null => {
    const sums = tracks(`${name}_sum`);
    if (sums.size === 0) return null;
    const counts = tracks(`${name}_count`);
    let total = 0;
    for (const [labels, track] of sums) total += sumIncrease(track, counts.get(labels) ?? []);
    return total;
  };

  const counters: ServerMetrics['counters'] = {};
  for (const def of COUNTER_NAMES) {
    const name = present(def.names);
    const increase = name === null ? null : increaseOf(name);
    if (name !== null && increase !== null)
      counters[def.field] = { increase, source: name } satisfies ServerCounter;
  }

  // Gauges while the load ran; a point shorter than one interval has only its start and end.
  const during = ok.map((s, i) => (s.phase === 'during' ? i : -1)).filter((i) => i >= 0);
  const gaugeScrapes = during.length > 0 ? during : ok.map((_, i) => i);
  const gauges: ServerMetrics['gauges'] = {};
  for (const def of GAUGE_NAMES) {
    const name = present(def.names);
    if (name === null) continue;
    const values = gaugeScrapes.flatMap((i) => {
      const v = across(def.across, [...(pages[i]?.get(name)?.values() ?? [])].filter(Number.isFinite));
      return v === null ? [] : [v];
    });
    if (values.length === 0) continue;
    gauges[def.field] = {
      mean: values.reduce((a, b) => a + b, 0) / values.length,
      max: Math.max(...values),
      samples: values.length,
      source: name,
    } satisfies ServerGauge;
  }

  const histograms: ServerMetrics['histograms'] = {};
  for (const def of HISTOGRAM_NAMES) {
    const name = present(def.names);
    if (name === null) continue;
    const h = histogramIncrease(name, tracks(`${name}_bucket`), increaseOf(`${name}_count`), sumOf(name));
    if (h) histograms[def.field] = h;
  }

  const warnings: string[] = [];
  if (reset) {
    warnings.push(
      `the server's counters went back during the point (a restart?): each increase adds what was counted before it and after it, as Prometheus's increase() does`,
    );
  }
  const limits: string[] = [];
  if (ok[0]?.phase !== 'start') limits.push('the scrape before the load failed, so the window starts later');
  if (ok.at(-1)?.phase !== 'end') limits.push('the scrape after the load failed, so the window ends early');
  const crossChecks =
    client && limits.length === 0
      ? crossCheck(engine, counters, client, warnings)
      : ([] as ServerCrossCheck[]);
  return {
    ...base,
    engine,
    available: true,
    ...(limits.length > 0 ? { reason: `${limits.join('; ')} (${firstError ?? ''})` } : {}),
    counters,
    gauges,
    histograms,
    crossChecks,
    warnings,
  };
}

function across(how: Across, values: readonly number[]): number | null {
  if (values.length === 0) return null;
  if (how === 'max') return Math.max(...values);
  const sum = values.reduce((a, b) => a + b, 0);
  return how === 'sum' ? sum : sum / values.length;
}

/** The observations a histogram gained over the point (all series summed), as quantiles in ms. */
function histogramIncrease(
  source: string,
  buckets: Map<string, Track>,
  count: number | null,
  sum: number | null,
): ServerHistogram | null {
  const byBound = new Map<number, number>();
  for (const [labels, track] of buckets) {
    const le = parsePromNumber(labelValue(labels, 'le') ?? '');
    if (le === null) continue;
    // Each series (engine) is a histogram of its own; one bound's increases add up across them.
    byBound.set(le, (byBound.get(le) ?? 0) + counterIncrease(track).increase);
  }
  if (byBound.size === 0 && count === null) return null;
  const cumulative = [...byBound].sort((a, b) => a[0] - b[0]);
  const lowest = cumulative.find(([le]) => Number.isFinite(le))?.[0];
  const n = count ?? cumulative.at(-1)?.[1] ?? 0;
  const q = (p: number) => histogramQuantile(cumulative, p);
  const ms = (r: { value: number } | null) => (r === null ? null : r.value * 1000);
  const p99 = q(0.99);
  return {
    count: n,
    meanMs: n > 0 && sum !== null ? (sum / n) * 1000 : null,
    p50Ms: ms(q(0.5)),
    p90Ms: ms(q(0.9)),
    p99Ms: ms(p99),
    beyondBuckets: p99?.beyond ?? false,
    lowestBoundMs: lowest === undefined ? null : lowest * 1000,
    source,
  };
}

const ENGINE_LABEL: Record<ServerEngine, string> = { vllm: 'vLLM', llamacpp: 'llama.cpp' };

/**
 * The server's generation tokens (and finished requests, where it counts them) against the
 * client's for the same point: they should agree within CROSS_CHECK_TOLERANCE. A server that
 * counts twice, another client on the same server or requests the client gave up on show here.
 */
function crossCheck(
  engine: ServerEngine,
  counters: ServerMetrics['counters'],
  client: ClientCounts,
  warnings: string[],
): ServerCrossCheck[] {
  const checks: ServerCrossCheck[] = [];
  const compare = (field: ServerCounterField, clientValue: number, what: string) => {
    const c = counters[field];
    if (!c) return;
    const diff = c.increase - clientValue;
    const relativeDiff = clientValue > 0 ? diff / clientValue : null;
    const agrees = Math.abs(diff) <= Math.max(CROSS_CHECK_SLACK, CROSS_CHECK_TOLERANCE * clientValue);
    checks.push({ field, server: c.increase, client: clientValue, relativeDiff, agrees });
    if (agrees) return;
    const rel =
      relativeDiff === null ? '' : ` (${relativeDiff >= 0 ? '+' : ''}${(100 * relativeDiff).toFixed(1)}%)`;
    const failed = client.failed > 0 ? `, ${client.failed} failed request(s) the client gave up on` : '';
    warnings.push(
      `${ENGINE_LABEL[engine]} counted ${round(c.increase)} ${what} during the point (${c.source}), the client ` +
        `${round(clientValue)}${rel}: more than ${100 * CROSS_CHECK_TOLERANCE}% apart. A server that counts ` +
        `twice, another client on the same server${failed} can cause it`,
    );
  };
  compare('generationTokens', client.outputTokens, 'generation tokens');
  compare('requestsFinished', client.requests, 'finished requests');
  return checks;
}

const round = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
