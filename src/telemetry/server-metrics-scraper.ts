import { type PromSample, parsePromText } from './prometheus-text.ts';
import { KNOWN_SAMPLE_NAMES } from './server-metrics-names.ts';
import type { Scrape, ScrapeLog, ScrapePhase } from './server-metrics-summary.ts';

export interface ServerMetricsScraperOptions {
  /** Between periodic scrapes while the load runs. */
  intervalMs?: number;
  /** One scrape's limit: a slow /metrics is given up, never waited for. */
  timeoutMs?: number;
  /** Scrapes kept per point; past it every other one is dropped and the interval doubles. */
  maxScrapes?: number;
  /** Sent with every scrape (llama-server with --api-key wants it on /metrics too). */
  headers?: Record<string, string>;
}

export const DEFAULT_SCRAPE_INTERVAL_MS = 1000;
/** vLLM and llama.cpp answer /metrics in milliseconds; a scrape slower than this says nothing useful. */
export const DEFAULT_SCRAPE_TIMEOUT_MS = 2000;
/** 600 scrapes of vLLM's known counters and gauges are ~1.5 MB of JSONL (buckets are kept sparsely). */
export const DEFAULT_MAX_SCRAPES = 600;
/** A /metrics page larger than this is not read (vLLM's is ~100 KB). */
const MAX_PAGE_CHARS = 16 * 1024 * 1024;
const EXCERPT_CHARS = 200;
/** Scrapes kept whole before counter resets; a server whose counters keep going back gets no more. */
const MAX_RESETS_KEPT = 16;
/** Answers that say the server has no /metrics to give: scraping stops at once. */
const NO_METRICS_STATUS = new Set([401, 403, 404, 405, 501]);

/**
 * Scrapes a server's Prometheus /metrics before a load point, every `intervalMs` while it runs and
 * after it, keeping only the names servebench knows (server-metrics-names.ts). Never throws and
 * never delays the load: each scrape has a short timeout, a failed one is recorded and the next
 * one tried; a server without /metrics (404, or a page with none of the known names) is scraped
 * once. Histogram buckets are kept only in the first and last scrape and around a counter reset,
 * which is all their increase needs; the count of scrapes is bounded (maxScrapes).
 */
export class ServerMetricsScraper {
  /** The scraped URL (credentials, if the base URL had any, go as basic auth). */
  readonly endpoint: string;
  /** The endpoint as results show it. */
  readonly shownEndpoint: string;
  private intervalMs: number;
  private readonly timeoutMs: number;
  private readonly maxScrapes: number;
  private readonly headers: Record<string, string>;
  private readonly startedAt = performance.now();
  private readonly scrapes: Array<Scrape & { keep?: boolean }> = [];
  private unavailable: string | undefined;
  private resets = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | null = null;
  private stopped: Promise<ScrapeLog> | null = null;

  private constructor(baseUrl: string, options: ServerMetricsScraperOptions) {
    // fetch() refuses a URL with credentials (and its error would show them): basic auth instead.
    const { url, authorization } = splitCredentials(`${baseUrl.replace(/\/+$/, '')}/metrics`);
    this.endpoint = url;
    this.shownEndpoint = url;
    this.intervalMs = Math.max(100, Math.round(options.intervalMs ?? DEFAULT_SCRAPE_INTERVAL_MS));
    this.timeoutMs = Math.max(1, Math.round(options.timeoutMs ?? DEFAULT_SCRAPE_TIMEOUT_MS));
    this.maxScrapes = Math.max(3, Math.round(options.maxScrapes ?? DEFAULT_MAX_SCRAPES));
    const headers = options.headers ?? {};
    const hasAuth = Object.keys(headers).some((h) => h.toLowerCase() === 'authorization');
    this.headers = authorization && !hasAuth ? { ...headers, authorization } : headers;
  }

  /** Takes the scrape before the load (at most `timeoutMs`), then scrapes periodically until stop(). */
  static async start(
    baseUrl: string,
    options: ServerMetricsScraperOptions = {},
  ): Promise<ServerMetricsScraper> {
    const scraper = new ServerMetricsScraper(baseUrl, options);
    await scraper.scrape('start');
    scraper.schedule(scraper.intervalMs);
    return scraper;
  }

  /** Stops the periodic scrapes and takes the one after the load (the same log on every call). */
  stop(): Promise<ScrapeLog> {
    this.stopped ??= this.finish();
    return this.stopped;
  }

  private async finish(): Promise<ScrapeLog> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
    await this.scrape('end');
    return {
      endpoint: this.shownEndpoint,
      intervalMs: this.intervalMs,
      scrapes: this.scrapes.map(({ keep: _, ...s }) => s),
      ...(this.unavailable ? { unavailable: this.unavailable } : {}),
    };
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.unavailable) return;
    this.timer = setTimeout(() => {
      const began = performance.now();
      this.inFlight = this.scrape('during').then(() => {
        this.inFlight = null;
        this.schedule(Math.max(0, this.intervalMs - (performance.now() - began)));
      });
    }, delayMs);
    // A pending scrape never keeps the process alive.
    this.timer.unref();
  }

  private async scrape(phase: ScrapePhase): Promise<void> {
    if (this.unavailable) return;
    const atS = (performance.now() - this.startedAt) / 1000;
    try {
      const response = await fetch(this.endpoint, {
        headers: this.headers,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await readBounded(response, MAX_PAGE_CHARS);
      if (text === null) {
        this.add({ atS, phase, error: `${this.shownEndpoint} sent more than ${MAX_PAGE_CHARS} characters` });
        return;
      }
      if (!response.ok) {
        const why = `GET ${this.shownEndpoint} answered HTTP ${response.status}${excerpt(text)}`;
        // Once the server has answered with metrics, a later error page is a failed scrape.
        if (NO_METRICS_STATUS.has(response.status) && !this.scrapes.some((s) => s.samples))
          this.unavailable = why;
        else this.add({ atS, phase, error: why });
        return;
      }
      const all = parsePromText(text);
      const samples = knownSamples(all);
      if (samples.length === 0 && !this.scrapes.some((s) => s.samples)) {
        const names = [...new Set(all.map((s) => s.name))];
        this.unavailable =
          `${this.shownEndpoint} has none of vLLM's (vllm:*) or llama.cpp's (llamacpp:*) known metrics` +
          (names.length > 0
            ? ` (${all.length} samples, e.g. ${names.slice(0, 3).join(', ')})`
            : ' (an empty page)');
        return;
      }
      this.add({ atS, phase, samples });
    } catch (error) {
      this.add({
        atS,
        phase,
        error: `GET ${this.shownEndpoint} failed: ${describeFetchError(error, this.timeoutMs)}`,
      });
    }
  }

  private add(scrape: Scrape & { keep?: boolean }): void {
    if (scrape.samples) {
      const previous = this.scrapes.findLast((s) => s.samples);
      // The first successful scrape is the window's start: kept whole and never thinned out.
      if (!previous) scrape.keep = true;
      else if (!previous.keep) {
        // A reset keeps the scrape before it whole: the increase up to the reset needs its buckets.
        if (this.resets < MAX_RESETS_KEPT && wentBack(previous.samples ?? [], scrape.samples)) {
          previous.keep = true;
          this.resets++;
        } else previous.samples = previous.samples?.filter((s) => !s.name.endsWith('_bucket'));
      }
    }
    this.scrapes.push(scrape);
    if (this.scrapes.length > this.maxScrapes) this.thin();
  }

  /** Drops every other scrape between the first and the last (not the ones kept whole) and slows down. */
  private thin(): void {
    const last = this.scrapes.length - 1;
    let odd = false;
    for (let i = last - 1; i > 0; i--) {
      const s = this.scrapes[i];
      if (!s || s.keep) continue;
      odd = !odd;
      if (odd) this.scrapes.splice(i, 1);
    }
    this.intervalMs *= 2;
  }
}

/** The body as text, or null past `maxChars` (the rest is not read). */
async function readBounded(response: Response, maxChars: number): Promise<string | null> {
  if (!response.body) return '';
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of response.body) {
    text += decoder.decode(chunk, { stream: true });
    // Leaving the loop cancels the rest of the body.
    if (text.length > maxChars) return null;
  }
  return text + decoder.decode();
}

/** The samples servebench knows the meaning of (server-metrics-names.ts); the rest are dropped. */
export const knownSamples = (samples: readonly PromSample[]): PromSample[] =>
  samples.filter((s) => KNOWN_SAMPLE_NAMES.has(s.name));

/**
 * Whether any counter, histogram count or bucket of `after` is below its value in `before` (a
 * histogram's _sum may go down with negative observations, so it tells nothing).
 */
function wentBack(before: readonly PromSample[], after: readonly PromSample[]): boolean {
  const earlier = new Map(before.map((s) => [`${s.name}{${s.labels}}`, s.value]));
  return after.some((s) => {
    if (!/(_total|_count|_bucket)$/.test(s.name)) return false;
    const v = earlier.get(`${s.name}{${s.labels}}`);
    return v !== undefined && s.value < v;
  });
}

function splitCredentials(url: string): { url: string; authorization?: string } {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return { url };
    const user = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
    u.username = '';
    u.password = '';
    return { url: u.toString(), authorization: `Basic ${Buffer.from(user).toString('base64')}` };
  } catch {
    return { url };
  }
}

/** `: <the server's message>` from an error page (llama.cpp's JSON error or plain text), short. */
function excerpt(text: string): string {
  let message = text;
  try {
    const json = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const m = typeof json.error === 'object' ? json.error?.message : (json.error ?? json.message);
    if (typeof m === 'string') message = m;
  } catch {
    // not JSON: the text itself
  }
  const flat = message.replace(/\s+/g, ' ').trim();
  if (flat === '') return '';
  return `: ${flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat}`;
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

/**
 * The scrapes as JSONL, one line each: `{"t_s", "phase", "samples": {"name{labels}": value}}` or
 * `{"t_s", "phase", "error"}`; only the known names (see ServerMetricsScraper).
 */
export function scrapeJsonl(log: ScrapeLog): string {
  return log.scrapes
    .map((s) => {
      const line: Record<string, unknown> = { t_s: Math.round(s.atS * 1e6) / 1e6, phase: s.phase };
      if (s.samples) {
        line.samples = Object.fromEntries(
          s.samples.map((x) => [x.labels ? `${x.name}{${x.labels}}` : x.name, x.value]),
        );
      } else line.error = s.error ?? 'unknown';
      return `${JSON.stringify(line)}\n`;
    })
    .join('');
}
