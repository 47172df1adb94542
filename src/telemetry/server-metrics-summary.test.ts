import { describe, expect, it } from 'vitest';
import { idleLlamaCpp, llamaCppMetricsText } from '../../test/helpers/metrics/llama-cpp-metrics.ts';
import { histogramQuantile, parsePromText } from './prometheus-text.ts';
import { knownSamples, scrapeJsonl } from './server-metrics-scraper.ts';
import {
  counterIncrease,
  type Scrape,
  type ScrapeLog,
  type ScrapePhase,
  sumIncrease,
  summarizeServerMetrics,
} from './server-metrics-summary.ts';

const scrape = (atS: number, phase: ScrapePhase, text: string): Scrape => ({
  atS,
  phase,
  samples: knownSamples(parsePromText(text)),
});
const log = (scrapes: Scrape[]): ScrapeLog => ({
  endpoint: 'http://127.0.0.1:8000/metrics',
  intervalMs: 1000,
  scrapes,
});

/** A vLLM v1 page of two data-parallel engines, as prometheus_client writes it. */
function vllmPage(o: {
  running: [number, number];
  waiting: [number, number];
  kv: [number, number];
  prompt: [number, number];
  generation: [number, number];
  success: Array<[engine: number, reason: string, value: number]>;
  preemptions: number;
  /** Cumulative counts per engine at le = 0.01, 0.1, 1, +Inf, and the sums. */
  ttft: [[number, number, number, number], [number, number, number, number]];
  ttftSum: [number, number];
}): string {
  const l = (e: number, extra = '') => `{engine="${e}",model_name="m"${extra}}`;
  const lines = [
    '# HELP vllm:num_requests_running Number of requests in model execution batches.',
    '# TYPE vllm:num_requests_running gauge',
    ...[0, 1].map((e) => `vllm:num_requests_running${l(e)} ${o.running[e]}.0`),
    '# TYPE vllm:num_requests_waiting gauge',
    ...[0, 1].map((e) => `vllm:num_requests_waiting${l(e)} ${o.waiting[e]}.0`),
    '# TYPE vllm:kv_cache_usage_perc gauge',
    ...[0, 1].map((e) => `vllm:kv_cache_usage_perc${l(e)} ${o.kv[e]}`),
    '# TYPE vllm:prompt_tokens counter',
    ...[0, 1].flatMap((e) => [
      `vllm:prompt_tokens_total${l(e)} ${o.prompt[e]}.0`,
      `vllm:prompt_tokens_created${l(e)} 1.7654321e+09`,
    ]),
    '# TYPE vllm:generation_tokens counter',
    ...[0, 1].map((e) => `vllm:generation_tokens_total${l(e)} ${o.generation[e]}.0`),
    '# TYPE vllm:request_success counter',
    ...o.success.map(
      ([e, reason, v]) => `vllm:request_success_total${l(e, `,finished_reason="${reason}"`)} ${v}.0`,
    ),
    '# TYPE vllm:num_preemptions counter',
    `vllm:num_preemptions_total${l(0)} ${o.preemptions}.0`,
    '# TYPE vllm:time_to_first_token_seconds histogram',
    ...[0, 1].flatMap((e) => [
      ...['0.01', '0.1', '1.0', '+Inf'].map(
        (le, i) =>
          `vllm:time_to_first_token_seconds_bucket{engine="${e}",le="${le}",model_name="m"} ${o.ttft[e]?.[i]}.0`,
      ),
      `vllm:time_to_first_token_seconds_count${l(e)} ${o.ttft[e]?.[3]}.0`,
      `vllm:time_to_first_token_seconds_sum${l(e)} ${o.ttftSum[e]}`,
    ]),
    '# TYPE python_gc_objects_collected counter',
    'python_gc_objects_collected_total{generation="0"} 12345.0',
  ];
  return `${lines.join('\n')}\n`;
}

const idleVllm = {
  running: [0, 0] as [number, number],
  waiting: [0, 0] as [number, number],
  kv: [0, 0] as [number, number],
};
const before = vllmPage({
  ...idleVllm,
  prompt: [5000, 0],
  generation: [500, 0],
  success: [[0, 'stop', 5]],
  preemptions: 1,
  ttft: [
    [10, 10, 10, 10],
    [0, 0, 0, 0],
  ],
  ttftSum: [0.05, 0],
});
const after = {
  prompt: [6000, 1000] as [number, number],
  generation: [1500, 1000] as [number, number],
  success: [
    [0, 'stop', 10],
    [0, 'length', 5],
    [1, 'stop', 10],
  ] as Array<[number, string, number]>,
  preemptions: 4,
  ttft: [
    [10, 20, 20, 20],
    [0, 0, 10, 10],
  ] as [[number, number, number, number], [number, number, number, number]],
  ttftSum: [0.55, 5] as [number, number],
};
/** Start (idle), two scrapes while the load ran, end (idle again). */
const vllmPoint = () =>
  log([
    scrape(0, 'start', before),
    scrape(1, 'during', vllmPage({ running: [2, 4], waiting: [1, 0], kv: [0.2, 0.4], ...after })),
    scrape(2, 'during', vllmPage({ running: [6, 8], waiting: [3, 2], kv: [0.5, 0.7], ...after })),
    scrape(2.5, 'end', vllmPage({ ...idleVllm, ...after })),
  ]);

describe('counterIncrease', () => {
  it('adds the differences, restarts from zero after a reset, and counts a series born in the window from zero', () => {
    expect(counterIncrease([100, 150, 150, 400])).toEqual({ increase: 300, reset: false });
    expect(counterIncrease([100, 150, 20, 50])).toEqual({ increase: 100, reset: true });
    expect(counterIncrease([undefined, 5, 12])).toEqual({ increase: 12, reset: false });
    // Missing in between (histogram buckets are kept sparsely): the neighbours still pair up.
    expect(counterIncrease([10, undefined, undefined, 30])).toEqual({ increase: 20, reset: false });
  });
});

describe('sumIncrease', () => {
  it("follows a histogram's _sum down (negative observations) and restarts only where its _count went back", () => {
    expect(sumIncrease([1, 0.5, 2], [1, 2, 3])).toBeCloseTo(1, 12);
    expect(sumIncrease([5, 6, 0.25], [10, 11, 1])).toBeCloseTo(1.25, 12);
  });
});

describe('histogramQuantile', () => {
  it("interpolates inside the rank's bucket, and gives the last finite bound in +Inf", () => {
    const b: Array<[number, number]> = [
      [0.01, 0],
      [0.1, 10],
      [1, 20],
      [Number.POSITIVE_INFINITY, 20],
    ];
    expect(histogramQuantile(b, 0.5)).toEqual({ value: 0.1, beyond: false });
    expect(histogramQuantile(b, 0.9)?.value).toBeCloseTo(0.82, 12);
    expect(histogramQuantile([...b.slice(0, 3), [Number.POSITIVE_INFINITY, 40]], 0.99)).toEqual({
      value: 1,
      beyond: true,
    });
    expect(histogramQuantile([[Number.POSITIVE_INFINITY, 0]], 0.5)).toBeNull();
  });
});

describe('parsePromText', () => {
  it('reads labels with braces and spaces in quoted values, trailing timestamps and CRLF', () => {
    const text = 'a{x="}{ y",le="+Inf"} 3 1700000000000\r\nb 1.5e+06\r\n# c 1\nbad line here\nd{} NaN\n';
    expect(parsePromText(text)).toEqual([
      { name: 'a', labels: 'x="}{ y",le="+Inf"', value: 3 },
      { name: 'b', labels: '', value: 1_500_000 },
    ]);
  });
});

describe('summarizeServerMetrics: vLLM names', () => {
  it('takes counter increases over the point, summed over engines and finished reasons', () => {
    const m = summarizeServerMetrics(vllmPoint());
    expect(m.available).toBe(true);
    expect(m.engine).toBe('vllm');
    expect(m.windowS).toBe(2.5);
    expect(m.counters).toEqual({
      promptTokens: { increase: 2000, source: 'vllm:prompt_tokens_total' },
      generationTokens: { increase: 2000, source: 'vllm:generation_tokens_total' },
      // stop on engine 0: +5; length on engine 0 and stop on engine 1 appeared during the point.
      requestsFinished: { increase: 20, source: 'vllm:request_success_total' },
      preemptions: { increase: 3, source: 'vllm:num_preemptions_total' },
    });
  });

  it("summarises gauges over the scrapes taken while the load ran (engines' counts summed, cache usage averaged)", () => {
    const { gauges } = summarizeServerMetrics(vllmPoint());
    expect(gauges.requestsRunning).toEqual({
      mean: 10,
      max: 14,
      samples: 2,
      source: 'vllm:num_requests_running',
    });
    expect(gauges.requestsWaiting).toEqual({
      mean: 3,
      max: 5,
      samples: 2,
      source: 'vllm:num_requests_waiting',
    });
    expect(gauges.kvCacheUsage?.mean).toBeCloseTo(0.45, 12);
    expect(gauges.kvCacheUsage?.max).toBeCloseTo(0.6, 12);
  });

  it("gives a histogram's quantiles of the observations made during the point only", () => {
    const ttft = summarizeServerMetrics(vllmPoint()).histograms.ttft;
    // Engine 0 gained 10 in (0.01, 0.1] (its 10 older ones in [0, 0.01] are not the point's),
    // engine 1 gained 10 in (0.1, 1]; sums gained 0.5 + 5 s.
    expect(ttft?.count).toBe(20);
    expect(ttft?.meanMs).toBeCloseTo(275, 9);
    expect(ttft?.p50Ms).toBeCloseTo(100, 9);
    expect(ttft?.p90Ms).toBeCloseTo(820, 9);
    expect(ttft?.p99Ms).toBeCloseTo(982, 9);
    expect(ttft?.beyondBuckets).toBe(false);
    expect(ttft?.lowestBoundMs).toBe(10);
    expect(ttft?.source).toBe('vllm:time_to_first_token_seconds');
  });

  it("cross-checks the server's generation tokens and finished requests with the client's", () => {
    const agree = summarizeServerMetrics(vllmPoint(), { requests: 20, failed: 0, outputTokens: 2040 });
    expect(agree.crossChecks).toEqual([
      { field: 'generationTokens', server: 2000, client: 2040, relativeDiff: -40 / 2040, agrees: true },
      { field: 'requestsFinished', server: 20, client: 20, relativeDiff: 0, agrees: true },
    ]);
    expect(agree.warnings).toEqual([]);
    // A server counting every token twice.
    const twice = summarizeServerMetrics(vllmPoint(), { requests: 20, failed: 2, outputTokens: 1000 });
    expect(twice.crossChecks[0]).toMatchObject({
      server: 2000,
      client: 1000,
      relativeDiff: 1,
      agrees: false,
    });
    expect(twice.warnings).toEqual([
      'vLLM counted 2000 generation tokens during the point (vllm:generation_tokens_total), the client 1000 ' +
        '(+100.0%): more than 5% apart. A server that counts twice, another client on the same server, ' +
        '2 failed request(s) the client gave up on can cause it',
    ]);
  });

  it('handles a server restart inside the point as increase() does, and says so', () => {
    const restarted = vllmPage({
      ...idleVllm,
      prompt: [100, 0],
      generation: [10, 0],
      success: [[0, 'stop', 1]],
      preemptions: 0,
      ttft: [
        [0, 1, 1, 1],
        [0, 0, 0, 0],
      ],
      ttftSum: [0.05, 0],
    });
    const m = summarizeServerMetrics(log([scrape(0, 'start', before), scrape(1, 'end', restarted)]));
    expect(m.counters.promptTokens?.increase).toBe(100);
    expect(m.histograms.ttft?.count).toBe(1);
    expect(m.warnings).toEqual([expect.stringMatching(/counters went back during the point/)]);
  });

  it('leaves out the cross-check when the scrape after the load failed, and says why the window is short', () => {
    const points = vllmPoint().scrapes.slice(0, 3);
    const m = summarizeServerMetrics(
      log([
        ...points,
        { atS: 3, phase: 'end', error: 'GET http://127.0.0.1:8000/metrics failed: no answer within 2000 ms' },
      ]),
      { requests: 20, failed: 0, outputTokens: 5 },
    );
    expect(m.available).toBe(true);
    expect(m.failedScrapes).toBe(1);
    expect(m.crossChecks).toEqual([]);
    expect(m.reason).toMatch(
      /^the scrape after the load failed, so the window ends early \(GET .* no answer within 2000 ms\)$/,
    );
  });
});

describe('summarizeServerMetrics: llama.cpp names', () => {
  it("maps llamacpp:* onto the same fields, from llama-server's own text format", () => {
    const start = idleLlamaCpp();
    Object.assign(start, { prompt_tokens_total: 1_000_000, tokens_predicted_total: 400, n_decode_total: 50 });
    const during = {
      ...start,
      requests_processing: 4,
      requests_deferred: 2,
      predicted_tokens_seconds: 210.5,
      prompt_tokens_seconds: 3000,
      n_busy_slots_per_decode: 3.5,
    };
    const end = {
      ...start,
      prompt_tokens_total: 1_234_567,
      prompt_tokens_cached_total: 64,
      prompt_seconds_total: 1.5,
      tokens_predicted_total: 1424,
      tokens_predicted_seconds_total: 5.25,
      n_decode_total: 1074,
      n_busy_slots_per_decode: 3.9,
    };
    const m = summarizeServerMetrics(
      log([
        scrape(0, 'start', llamaCppMetricsText(start)),
        scrape(1, 'during', llamaCppMetricsText(during)),
        scrape(2, 'end', llamaCppMetricsText(end)),
      ]),
      { requests: 8, failed: 0, outputTokens: 1024 },
    );
    expect(m.engine).toBe('llamacpp');
    expect(m.counters).toEqual({
      // 1,234,567 is written 1.23457e+06 (six significant digits).
      promptTokens: { increase: 234_570, source: 'llamacpp:prompt_tokens_total' },
      cachedPromptTokens: { increase: 64, source: 'llamacpp:prompt_tokens_cached_total' },
      generationTokens: { increase: 1024, source: 'llamacpp:tokens_predicted_total' },
      promptSeconds: { increase: 1.5, source: 'llamacpp:prompt_seconds_total' },
      generationSeconds: { increase: 5.25, source: 'llamacpp:tokens_predicted_seconds_total' },
      decodeCalls: { increase: 1024, source: 'llamacpp:n_decode_total' },
    });
    expect(m.gauges).toEqual({
      requestsRunning: { mean: 4, max: 4, samples: 1, source: 'llamacpp:requests_processing' },
      requestsWaiting: { mean: 2, max: 2, samples: 1, source: 'llamacpp:requests_deferred' },
      busySlotsPerDecode: { mean: 3.5, max: 3.5, samples: 1, source: 'llamacpp:n_busy_slots_per_decode' },
      promptTokensPerS: { mean: 3000, max: 3000, samples: 1, source: 'llamacpp:prompt_tokens_seconds' },
      generationTokensPerS: {
        mean: 210.5,
        max: 210.5,
        samples: 1,
        source: 'llamacpp:predicted_tokens_seconds',
      },
    });
    expect(m.histograms).toEqual({});
    // llama.cpp counts no finished requests: only the tokens are compared.
    expect(m.crossChecks).toEqual([
      { field: 'generationTokens', server: 1024, client: 1024, relativeDiff: 0, agrees: true },
    ]);
  });
});

describe('summarizeServerMetrics: not available', () => {
  it('says why: no /metrics, no scrape succeeded, no known names, a single scrape', () => {
    const none = summarizeServerMetrics({
      ...log([]),
      unavailable: 'GET http://x/metrics answered HTTP 404',
    });
    expect(none).toMatchObject({
      available: false,
      engine: null,
      reason: 'GET http://x/metrics answered HTTP 404',
    });
    const failed = summarizeServerMetrics(
      log([{ atS: 0, phase: 'start', error: 'GET ... failed: ECONNREFUSED' }]),
    );
    expect(failed).toMatchObject({ available: false, failedScrapes: 1 });
    expect(failed.reason).toMatch(/no scrape of .* succeeded: GET \.\.\. failed: ECONNREFUSED/);
    const unknown = summarizeServerMetrics(
      log([scrape(0, 'start', 'other_total 1\n'), scrape(1, 'end', 'other_total 2\n')]),
    );
    expect(unknown.reason).toMatch(
      /has none of vLLM's \(vllm:\*\) or llama\.cpp's \(llamacpp:\*\) known metrics/,
    );
    const single = summarizeServerMetrics(log([scrape(0, 'start', before)]));
    expect(single).toMatchObject({ available: false, engine: 'vllm' });
    expect(single.reason).toMatch(/^only one scrape/);
  });
});

describe('scrapeJsonl', () => {
  it('writes one line per scrape with the known samples by series, or the error', () => {
    const lines = scrapeJsonl(
      log([
        scrape(0, 'start', 'vllm:num_requests_running{engine="0"} 2\npython_info 1\n'),
        { atS: 1.25, phase: 'end', error: 'boom' },
      ]),
    )
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { t_s: 0, phase: 'start', samples: { 'vllm:num_requests_running{engine="0"}': 2 } },
      { t_s: 1.25, phase: 'end', error: 'boom' },
    ]);
  });
});
