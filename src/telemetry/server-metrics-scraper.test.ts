import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startLlamaCppMetricsServer } from '../../test/helpers/metrics/llama-cpp-metrics.ts';
import { ServerMetricsScraper } from './server-metrics-scraper.ts';
import { summarizeServerMetrics } from './server-metrics-summary.ts';

/** No periodic scrape in these tests: only the one before and the one after, so nothing depends on time. */
const NO_PERIODIC = { intervalMs: 600_000 };

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A loopback server answering every request with `handler`; counts the requests it got. */
async function plainServer(
  handler: Parameters<typeof createServer>[1],
): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    handler?.(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

async function llamaServer(options: Parameters<typeof startLlamaCppMetricsServer>[0] = {}) {
  const server = await startLlamaCppMetricsServer(options);
  closers.push(server.close);
  return server;
}

describe('ServerMetricsScraper against a llama-server /metrics', () => {
  it('scrapes before and after the load and summarises what changed in between', async () => {
    const llama = await llamaServer();
    Object.assign(llama.state, { prompt_tokens_total: 100, tokens_predicted_total: 7 });
    const scraper = await ServerMetricsScraper.start(`${llama.url}/`, NO_PERIODIC);
    Object.assign(llama.state, {
      prompt_tokens_total: 612,
      tokens_predicted_total: 263,
      n_decode_total: 256,
    });
    const scraped = await scraper.stop();
    expect(llama.scrapes()).toBe(2);
    expect(scraped.endpoint).toBe(`${llama.url}/metrics`);
    expect(scraped.scrapes.map((s) => s.phase)).toEqual(['start', 'end']);
    // stop() again gives the same log and scrapes no more.
    expect(await scraper.stop()).toBe(scraped);
    const m = summarizeServerMetrics(scraped, { requests: 4, failed: 0, outputTokens: 256 });
    expect(m).toMatchObject({ available: true, engine: 'llamacpp', scrapes: 2, failedScrapes: 0 });
    expect(m.counters.promptTokens).toEqual({ increase: 512, source: 'llamacpp:prompt_tokens_total' });
    expect(m.counters.generationTokens?.increase).toBe(256);
    expect(m.crossChecks).toEqual([
      { field: 'generationTokens', server: 256, client: 256, relativeDiff: 0, agrees: true },
    ]);
  });

  it("sends the load profile's headers (llama-server with --api-key guards /metrics too)", async () => {
    const llama = await llamaServer({ apiKey: 'sk-test-123' });
    const scraper = await ServerMetricsScraper.start(llama.url, {
      ...NO_PERIODIC,
      headers: { authorization: 'Bearer sk-test-123' },
    });
    expect(summarizeServerMetrics(await scraper.stop()).available).toBe(true);
  });

  it('is not available, with the reason, when llama-server was started without --metrics (scraped once)', async () => {
    const llama = await llamaServer({ metrics: false });
    const scraper = await ServerMetricsScraper.start(llama.url, NO_PERIODIC);
    const m = summarizeServerMetrics(await scraper.stop());
    expect(llama.scrapes()).toBe(1);
    expect(m).toMatchObject({ available: false, engine: null, scrapes: 0 });
    expect(m.reason).toBe(
      `GET ${llama.url}/metrics answered HTTP 501: This server does not support metrics endpoint. Start it with \`--metrics\``,
    );
  });

  it('says 401 when the key is wrong, without showing the key', async () => {
    const llama = await llamaServer({ apiKey: 'sk-right' });
    const scraper = await ServerMetricsScraper.start(llama.url, {
      ...NO_PERIODIC,
      headers: { authorization: 'Bearer sk-wrong' },
    });
    const m = summarizeServerMetrics(await scraper.stop());
    expect(m.reason).toBe(`GET ${llama.url}/metrics answered HTTP 401: Invalid API Key`);
    expect(JSON.stringify(m)).not.toContain('sk-');
  });
});

describe('ServerMetricsScraper against servers with no usable /metrics', () => {
  it('a 404 makes the metrics not available; scraping stops at once', async () => {
    const server = await plainServer((_req, res) => res.writeHead(404).end('Not Found'));
    const scraper = await ServerMetricsScraper.start(server.url, NO_PERIODIC);
    const m = summarizeServerMetrics(await scraper.stop(), { requests: 1, failed: 0, outputTokens: 10 });
    expect(server.hits()).toBe(1);
    expect(m).toMatchObject({
      available: false,
      reason: `GET ${server.url}/metrics answered HTTP 404: Not Found`,
    });
    expect(m.crossChecks).toEqual([]);
  });

  it('a page with none of the known names is not available and says what it had', async () => {
    const server = await plainServer((_req, res) =>
      res
        .writeHead(200)
        .end('# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1.5\nup 1\n'),
    );
    const scraper = await ServerMetricsScraper.start(server.url, NO_PERIODIC);
    const m = summarizeServerMetrics(await scraper.stop());
    expect(m.reason).toBe(
      `${server.url}/metrics has none of vLLM's (vllm:*) or llama.cpp's (llamacpp:*) known metrics (2 samples, e.g. process_cpu_seconds_total, up)`,
    );
  });

  it('a refused connection and a server that never answers are failed scrapes, never a thrown error', async () => {
    const closed = await plainServer(() => {});
    await closers.pop()?.();
    const refused = await ServerMetricsScraper.start(closed.url, NO_PERIODIC);
    const r = summarizeServerMetrics(await refused.stop());
    expect(r).toMatchObject({ available: false, scrapes: 2, failedScrapes: 2 });
    expect(r.reason).toBe(
      `no scrape of ${closed.url}/metrics succeeded: GET ${closed.url}/metrics failed: ECONNREFUSED`,
    );

    const silent = await plainServer(() => {}); // accepts, never answers
    const slow = await ServerMetricsScraper.start(silent.url, { ...NO_PERIODIC, timeoutMs: 150 });
    const s = summarizeServerMetrics(await slow.stop());
    expect(silent.hits()).toBe(2);
    expect(s.reason).toBe(
      `no scrape of ${silent.url}/metrics succeeded: GET ${silent.url}/metrics failed: no answer within 150 ms`,
    );
  });

  it('does not read a page past its size limit', async () => {
    // 17 MB of comments, streamed: more than the 16 MB a scrape reads.
    const server = await plainServer((_req, res) => {
      res.writeHead(200);
      const line = `# ${'x'.repeat(1022)}\n`.repeat(1024);
      for (let i = 0; i < 17; i++) res.write(line);
      res.end('vllm:num_requests_running 1\n');
    });
    const scraper = await ServerMetricsScraper.start(server.url, NO_PERIODIC);
    const log = await scraper.stop();
    expect(log.scrapes.map((s) => s.error)).toEqual([
      `${server.url}/metrics sent more than 16777216 characters`,
      `${server.url}/metrics sent more than 16777216 characters`,
    ]);
  });

  it('sends credentials in the URL as basic auth and keeps them out of what it records', async () => {
    let authorization: string | undefined;
    const server = await plainServer((req, res) => {
      authorization = req.headers.authorization;
      res.writeHead(404).end();
    });
    const url = server.url.replace('http://', 'http://user:s3cret@');
    const scraper = await ServerMetricsScraper.start(url, NO_PERIODIC);
    const m = summarizeServerMetrics(await scraper.stop());
    expect(authorization).toBe(`Basic ${Buffer.from('user:s3cret').toString('base64')}`);
    expect(m.endpoint).toBe(`${server.url}/metrics`);
    expect(JSON.stringify(m)).not.toContain('s3cret');
  });
});
