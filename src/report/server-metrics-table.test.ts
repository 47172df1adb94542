import { describe, expect, it } from 'vitest';
import type { ServerMetrics } from '../telemetry/schema.ts';
import { renderMarkdown } from './markdown.ts';
import { sampleResults } from './sample-results.ts';
import { type ResultsFile, resultsFileSchema } from './schema.ts';
import { renderServerMetricsTable } from './telemetry-table.ts';

const base: ServerMetrics = {
  source: 'prometheus',
  endpoint: 'http://127.0.0.1:8000/metrics',
  engine: 'vllm',
  available: true,
  intervalMs: 1000,
  windowS: 12.5,
  scrapes: 14,
  failedScrapes: 0,
  counters: {},
  gauges: {},
  histograms: {},
  crossChecks: [],
  warnings: [],
  rawFile: 'raw/e/p.server-metrics.jsonl',
};

const vllm: ServerMetrics = {
  ...base,
  counters: {
    promptTokens: { increase: 102_400, source: 'vllm:prompt_tokens_total' },
    generationTokens: { increase: 12_800, source: 'vllm:generation_tokens_total' },
    preemptions: { increase: 3, source: 'vllm:num_preemptions_total' },
  },
  gauges: {
    requestsRunning: { mean: 12.34, max: 31, samples: 12, source: 'vllm:num_requests_running' },
    requestsWaiting: { mean: 0.5, max: 4, samples: 12, source: 'vllm:num_requests_waiting' },
    kvCacheUsage: { mean: 0.423, max: 0.871, samples: 12, source: 'vllm:kv_cache_usage_perc' },
  },
  histograms: {
    queueTime: {
      count: 100,
      meanMs: 4,
      p50Ms: 2.5,
      p90Ms: 8,
      p99Ms: 40,
      beyondBuckets: false,
      lowestBoundMs: 300,
      source: 'vllm:request_queue_time_seconds',
    },
    decodeTime: {
      count: 100,
      meanMs: 900,
      p50Ms: 850,
      p90Ms: 1200,
      p99Ms: 7680,
      beyondBuckets: true,
      lowestBoundMs: 300,
      source: 'vllm:request_decode_time_seconds',
    },
  },
  crossChecks: [{ field: 'generationTokens', server: 12_800, client: 12_800, relativeDiff: 0, agrees: true }],
};

const llama: ServerMetrics = {
  ...base,
  engine: 'llamacpp',
  counters: {
    promptTokens: { increase: 4096, source: 'llamacpp:prompt_tokens_total' },
    generationTokens: { increase: 2048, source: 'llamacpp:tokens_predicted_total' },
  },
  gauges: { requestsRunning: { mean: 4, max: 4, samples: 3, source: 'llamacpp:requests_processing' } },
  crossChecks: [{ field: 'generationTokens', server: 2048, client: 1024, relativeDiff: 1, agrees: false }],
  warnings: ['llama.cpp counted 2048 generation tokens during the point, the client 1024 (+100.0%)'],
};

/** The sample results with server metrics on their points (and one point a server without /metrics). */
function withServerMetrics(...metrics: ServerMetrics[]): ResultsFile {
  const results = resultsFileSchema.parse(sampleResults());
  results.points.forEach((p, i) => {
    const m = metrics[i];
    if (m) p.serverMetrics = m;
  });
  // The field round-trips through the results schema.
  return resultsFileSchema.parse(results);
}

describe('renderServerMetricsTable', () => {
  it('is empty when no point was scraped', () => {
    expect(renderServerMetricsTable(resultsFileSchema.parse(sampleResults()).points)).toBe('');
  });

  it("shows counts, gauges and quantiles per point, with the client's count beside the server's", () => {
    const points = withServerMetrics(vllm, llama).points;
    const lines = renderServerMetricsTable(points).split('\n');
    expect(lines[0]).toBe(
      "**Server metrics** (the server's own `/metrics`, every 1.0 s while the load ran: counts over the point, gauges mean / max, latency quantiles of the point’s requests):",
    );
    expect(lines[2]).toBe(
      '| test | engine | prompt tokens | generation tokens | running | waiting | KV cache (%) | preemptions | queue p50 / p99 (ms) | decode p50 / p99 (ms) |',
    );
    expect(lines).toContain(
      `| ${points[0]?.test} | vLLM | 102,400 | 12,800 (client 12,800) | 12.3 / 31.0 | 0.5 / 4.0 | 42.3 / 87.1 | 3 | ≤ 300.0 / ≤ 300.0 | 850.0 / >7,680.0 |`,
    );
    // Queue times inside vLLM's first request-phase bucket (300 ms) are only known to be below it.
    // llama.cpp has no KV-cache gauge, preemptions or histograms; its double count is flagged.
    expect(lines).toContain(
      `| ${points[1]?.test} | llama.cpp | 4,096 | 2,048 (client 1,024 ⚠️) | 4.0 / 4.0 | — | — | — | — | — |`,
    );
    expect(lines.at(-1)).toBe(
      `- ⚠️ **${points[1]?.test}**: llama.cpp counted 2048 generation tokens during the point, the client 1024 (+100.0%)`,
    );
  });

  it('says why a point has no server metrics', () => {
    const none: ServerMetrics = {
      ...base,
      engine: null,
      available: false,
      scrapes: 0,
      reason: 'GET http://127.0.0.1:8000/metrics answered HTTP 404: Not Found',
      rawFile: null,
    };
    const points = withServerMetrics(none).points;
    expect(renderServerMetricsTable(points).split('\n').slice(1)).toEqual([
      '',
      `- **${points[0]?.test}**: not available: GET http://127.0.0.1:8000/metrics answered HTTP 404: Not Found`,
    ]);
  });

  it('is part of the experiment section of the Markdown report, after the point table', () => {
    const { markdown } = renderMarkdown(withServerMetrics(vllm));
    expect(markdown).toContain('**Server metrics**');
    expect(markdown.indexOf('**Server metrics**')).toBeGreaterThan(markdown.indexOf('| test |'));
  });
});
