import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLlamaCppMetricsServer } from '../../test/helpers/metrics/llama-cpp-metrics.ts';
import { warmUp } from '../../test/helpers/sim/load.ts';
import { runLoad } from '../load/run-load.ts';
import { resolveConfig } from '../sim/config.ts';
import { createSimServer } from '../sim/http/server.ts';
import { Simulator } from '../sim/simulator.ts';
import { ServerMetricsScraper, scrapeJsonl } from './server-metrics-scraper.ts';
import { clientCounts, summarizeServerMetrics } from './server-metrics-summary.ts';

const MODEL = 'Qwen/Qwen2.5-1.5B-Instruct';

describe("a real simulator's vLLM /metrics, scraped around a load run", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createSimServer(new Simulator(resolveConfig({ gpu: 'H100', model: MODEL })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("agrees with the client's counts and sees the load in its gauges and histograms", async () => {
    // Observations from before the point (the warm-up's) are not the point's.
    await warmUp(url, MODEL);
    const scraper = await ServerMetricsScraper.start(url, { intervalMs: 200 });
    // ~3 s of load at 12 req/s: a dozen periodic scrapes while requests run.
    const result = await runLoad({
      baseUrl: url,
      arrival: { kind: 'poisson', rate: 12 },
      requests: 36,
      dataset: { name: 'random', input_len: 128, output_len: 64 },
      workers: 1,
    }).finally(() => scraper.stop());
    const scraped = await scraper.stop();
    const client = clientCounts(result.records);
    const m = summarizeServerMetrics(scraped, client);
    expect(result.summary.completed).toBe(36);
    expect(m).toMatchObject({ available: true, engine: 'vllm', failedScrapes: 0, warnings: [] });
    expect(m.reason).toBeUndefined();
    // The simulator counts exactly what it served.
    expect(m.counters.generationTokens?.increase).toBe(client.outputTokens);
    expect(m.counters.requestsFinished?.increase).toBe(client.requests);
    expect(m.counters.promptTokens?.increase).toBe(result.records.reduce((n, r) => n + r.prompt_tokens, 0));
    expect(m.crossChecks.map((c) => [c.field, c.agrees])).toEqual([
      ['generationTokens', true],
      ['requestsFinished', true],
    ]);
    expect(m.histograms.ttft?.count).toBe(client.requests);
    expect(m.histograms.queueTime?.count).toBe(client.requests);
    expect(m.histograms.decodeTime?.p50Ms).toBeGreaterThan(0);
    // Periodic scrapes happened while the load ran, and saw requests running.
    const during = scraped.scrapes.filter((s) => s.phase === 'during').length;
    expect(during).toBeGreaterThanOrEqual(5);
    expect(m.gauges.requestsRunning?.samples).toBe(during);
    expect(m.gauges.requestsRunning?.max).toBeGreaterThan(0);
    expect(m.gauges.kvCacheUsage?.max).toBeGreaterThan(0);
    // Buckets are kept in the first and the last scrape only (no reset in between).
    const lines = scrapeJsonl(scraped)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { phase: string; samples: Record<string, number> });
    const withBuckets = lines.map((l) => Object.keys(l.samples).some((k) => k.includes('_bucket{')));
    expect(withBuckets[0]).toBe(true);
    expect(withBuckets.at(-1)).toBe(true);
    expect(withBuckets.slice(1, -1).every((b) => !b)).toBe(true);
    expect(Object.keys(lines[0]?.samples ?? {}).every((k) => k.startsWith('vllm:'))).toBe(true);
  });
});

describe('ServerMetricsScraper never holds up the load', () => {
  it('gives up a /metrics that never answers after its timeout', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const began = performance.now();
      const scraper = await ServerMetricsScraper.start(url, { timeoutMs: 200, intervalMs: 100 });
      const startedInMs = performance.now() - began;
      await new Promise((resolve) => setTimeout(resolve, 500));
      const stopping = performance.now();
      const log = await scraper.stop();
      const stoppedInMs = performance.now() - stopping;
      // Start waits for one scrape's timeout at most; stop for the one in flight and its own.
      expect(startedInMs).toBeLessThan(200 + 300);
      expect(stoppedInMs).toBeLessThan(2 * 200 + 300);
      expect(log.scrapes.every((s) => s.error?.endsWith('no answer within 200 ms'))).toBe(true);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('keeps at most maxScrapes over a long point: every other one is dropped and the interval doubles', async () => {
    const llama = await startLlamaCppMetricsServer();
    try {
      const scraper = await ServerMetricsScraper.start(llama.url, { intervalMs: 100, maxScrapes: 6 });
      // Counters grow by 10 per 10 ms: the increase must survive the thinning.
      const grow = setInterval(() => {
        llama.state.tokens_predicted_total += 10;
      }, 10);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      clearInterval(grow);
      const log = await scraper.stop();
      expect(log.scrapes.length).toBeLessThanOrEqual(6 + 1);
      expect(log.intervalMs).toBeGreaterThanOrEqual(200);
      expect(llama.scrapes()).toBeGreaterThan(log.scrapes.length);
      expect(log.scrapes[0]?.phase).toBe('start');
      expect(log.scrapes.at(-1)?.phase).toBe('end');
      const m = summarizeServerMetrics(log);
      expect(m.counters.generationTokens?.increase).toBe(llama.state.tokens_predicted_total);
    } finally {
      await llama.close();
    }
  });
});

describe('ServerMetricsScraper across a server restart', () => {
  /** vLLM's TTFT histogram with `n` observations, all in (0.01, 0.1]. */
  const page = (n: number) =>
    [
      `vllm:time_to_first_token_seconds_bucket{le="0.01"} 0`,
      `vllm:time_to_first_token_seconds_bucket{le="0.1"} ${n}`,
      `vllm:time_to_first_token_seconds_bucket{le="+Inf"} ${n}`,
      `vllm:time_to_first_token_seconds_count ${n}`,
      `vllm:time_to_first_token_seconds_sum ${n * 0.05}`,
      `vllm:generation_tokens_total ${n * 10}`,
    ].join('\n');

  it('keeps the buckets of the scrape before the reset, so the increase spans both sides of it', async () => {
    // The n-th scrape gets the n-th page: 10, 20, 25 observations, then a restart with 3.
    const pages = [page(10), page(20), page(25)];
    let served = 0;
    const server = createServer((_req, res) => res.end(pages[served++] ?? page(3)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const scraper = await ServerMetricsScraper.start(
        `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        {
          intervalMs: 100,
        },
      );
      for (let i = 0; i < 100 && served < 5; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      const log = await scraper.stop();
      const withBuckets = log.scrapes.map((s) => s.samples?.some((x) => x.name.endsWith('_bucket')));
      expect(withBuckets.slice(0, 4)).toEqual([true, false, true, false]);
      const m = summarizeServerMetrics(log);
      expect(m.histograms.ttft?.count).toBe(15 + 3);
      expect(m.histograms.ttft?.p50Ms).toBeCloseTo(10 + 90 * 0.5, 9);
      expect(m.counters.generationTokens?.increase).toBe(180);
      expect(m.warnings).toEqual([expect.stringMatching(/counters went back/)]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
