import { describe, expect, it } from 'vitest';
import { parseXml, select, textOf, type XmlElement } from '../../test/helpers/report/parse-xml.ts';
import type { ServerHistogram, ServerMetrics } from '../telemetry/schema.ts';
import { renderMarkdown } from './markdown.ts';
import {
  GAP_CLOSE_FRACTION,
  GAP_CLOSE_MS,
  type PhaseBreakdown,
  phaseBreakdown,
  phaseBreakdowns,
  phaseChart,
  pointLabel,
  renderPhaseBreakdown,
} from './phase-breakdown.ts';
import { sampleResults } from './sample-results.ts';
import { type PointResult, type ResultsFile, resultsFileSchema } from './schema.ts';
import { stackedBarChart } from './svg-bar-chart.ts';

const histogram = (meanMs: number, count = 200, name = 'queue'): ServerHistogram => ({
  count,
  meanMs: count > 0 ? meanMs : null,
  p50Ms: count > 0 ? meanMs : null,
  p90Ms: count > 0 ? meanMs * 1.5 : null,
  p99Ms: count > 0 ? meanMs * 2 : null,
  beyondBuckets: false,
  lowestBoundMs: 300,
  source: `vllm:request_${name}_time_seconds`,
});

const vllm = (queue: number, prefill: number, decode: number, extra: Partial<ServerMetrics> = {}) =>
  ({
    source: 'prometheus',
    endpoint: 'http://127.0.0.1:8000/metrics',
    engine: 'vllm',
    available: true,
    intervalMs: 1000,
    windowS: 20,
    scrapes: 22,
    failedScrapes: 0,
    counters: {},
    gauges: {},
    histograms: {
      queueTime: histogram(queue, 200, 'queue'),
      prefillTime: histogram(prefill, 200, 'prefill'),
      decodeTime: histogram(decode, 200, 'decode'),
      ttft: histogram(queue + prefill, 200, 'ttft'),
    },
    crossChecks: [],
    warnings: [],
    rawFile: 'raw/e/p.server-metrics.jsonl',
    ...extra,
  }) satisfies ServerMetrics;

/** A sample point (valid by the results schema) with these server metrics and client means. */
function point(
  serverMetrics: ServerMetrics | undefined,
  client: { ttft?: number; e2el?: number } = {},
  rest: Partial<PointResult> = {},
): PointResult {
  const template = sampleResults().points[0] as PointResult;
  const { serverMetrics: _, ...base } = template;
  const summary: Record<string, unknown> = { ...template.summary };
  delete summary.mean_ttft_ms;
  delete summary.mean_e2el_ms;
  if (client.ttft !== undefined) summary.mean_ttft_ms = client.ttft;
  if (client.e2el !== undefined) summary.mean_e2el_ms = client.e2el;
  const p = { ...base, ...(serverMetrics ? { serverMetrics } : {}), summary, ...rest };
  return resultsFileSchema.shape.points.element.parse(p);
}

const available = (b: PhaseBreakdown) => {
  if (!b.available) throw new Error(`not available: ${b.reason}`);
  return b;
};

describe('phaseBreakdown', () => {
  it("takes each phase's mean per request and its share of the server's total", () => {
    const b = available(phaseBreakdown(point(vllm(20, 60, 320), { ttft: 86, e2el: 410 })));
    expect(b.totalMs).toBe(400);
    expect(b.phases.queue).toEqual({
      count: 200,
      meanMs: 20,
      share: 0.05,
      source: 'vllm:request_queue_time_seconds',
    });
    expect(b.phases.prefill.share).toBeCloseTo(0.15, 12);
    expect(b.phases.decode.share).toBeCloseTo(0.8, 12);
    expect(b.engine).toBe('vllm');
    expect(b.note).toBeUndefined();
  });

  it('cross-checks queue + prefill with the client TTFT and the whole with E2EL, stating the gap', () => {
    const b = available(phaseBreakdown(point(vllm(20, 60, 320), { ttft: 86, e2el: 410 })));
    expect(b.ttft).toEqual({
      compared: true,
      clientKey: 'mean_ttft_ms',
      clientMs: 86,
      serverMs: 80,
      gapMs: 6,
      relativeGap: 6 / 86,
      close: true,
    });
    expect(b.e2el).toMatchObject({ compared: true, clientMs: 410, serverMs: 400, gapMs: 10, close: true });
  });

  it(`calls a gap close within ${GAP_CLOSE_MS} ms or ${100 * GAP_CLOSE_FRACTION} % of the client's value`, () => {
    const ttftGap = (client: number, queue: number, prefill: number) => {
      const b = available(phaseBreakdown(point(vllm(queue, prefill, 100), { ttft: client, e2el: 1000 })));
      if (!b.ttft.compared) throw new Error(b.ttft.reason);
      return b.ttft;
    };
    // Small values: the absolute allowance.
    expect(ttftGap(20, 5, 10).close).toBe(true); // 5 ms, 25 %
    expect(ttftGap(20, 5, 9.9).close).toBe(false); // 5.1 ms
    // Large values: the relative one.
    expect(ttftGap(1000, 400, 500).close).toBe(true); // 100 ms, 10 %
    expect(ttftGap(1000, 400, 499).close).toBe(false); // 101 ms
    // The server's phases longer than the client waited: a negative gap, judged the same way.
    const negative = ttftGap(100, 60, 60);
    expect(negative).toMatchObject({ gapMs: -20, close: false });
  });

  it('gives the reason, never zeros, when the server did not time the phases', () => {
    const reason = (p: PointResult) => {
      const b = phaseBreakdown(p);
      expect(b.available).toBe(false);
      expect(b).not.toHaveProperty('phases');
      return b.available ? '' : b.reason;
    };
    expect(reason(point(undefined))).toBe("the server's /metrics was not scraped for this point");
    expect(
      reason(
        point(
          vllm(1, 2, 3, { available: false, engine: null, histograms: {}, reason: 'HTTP 404: Not Found' }),
        ),
      ),
    ).toBe('no server metrics: HTTP 404: Not Found');
    const llama = vllm(1, 2, 3, {
      engine: 'llamacpp',
      histograms: {},
      counters: { promptSeconds: { increase: 3.2, source: 'llamacpp:prompt_seconds_total' } },
    });
    expect(reason(point(llama))).toMatch(/^llama\.cpp does not time requests by phase/);
    expect(reason(point(vllm(1, 2, 3, { histograms: {} })))).toBe(
      'vLLM reports no queue, prefill or decode time histograms',
    );
    const noQueue = vllm(1, 2, 3);
    delete noQueue.histograms.queueTime;
    expect(reason(point(noQueue))).toBe('the server reports no queue time histogram');
    const onlyDecode = vllm(1, 2, 3);
    delete onlyDecode.histograms.queueTime;
    delete onlyDecode.histograms.prefillTime;
    expect(reason(point(onlyDecode))).toBe('the server reports no queue or prefill time histogram');
  });

  it('is not available when no request finished in the window, or the times are not durations', () => {
    const none = vllm(0, 0, 0, {
      histograms: {
        queueTime: histogram(0, 0),
        prefillTime: histogram(0, 0),
        decodeTime: histogram(0, 0),
      },
    });
    const b = phaseBreakdown(point(none));
    expect(b).toMatchObject({ available: false });
    expect(b.available ? '' : b.reason).toMatch(
      /no request finished .*queue, prefill or decode time: 0 observations/,
    );
    expect(phaseBreakdown(point(vllm(-3, 10, 10)))).toMatchObject({
      available: false,
      reason: "the server's mean phase time is not a duration (queue -3.0 ms)",
    });
    expect(phaseBreakdown(point(vllm(0, 0, 0)))).toMatchObject({ available: false });
  });

  it("leaves the cross-check out, saying why, when the client has no mean or the server's window was cut", () => {
    const noE2el = available(phaseBreakdown(point(vllm(20, 60, 320), { ttft: 86 })));
    expect(noE2el.ttft.compared).toBe(true);
    expect(noE2el.e2el).toEqual({
      compared: false,
      clientKey: 'mean_e2el_ms',
      serverMs: 400,
      reason: "the client's summary has no mean_e2el_ms",
    });
    const cut = 'the scrape before the load failed, so the window starts later (connect ECONNREFUSED)';
    const b = available(phaseBreakdown(point(vllm(20, 60, 320, { reason: cut }), { ttft: 86, e2el: 410 })));
    expect(b.note).toBe(cut);
    expect(b.ttft).toMatchObject({ compared: false, reason: expect.stringContaining(cut) });
    expect(b.e2el.compared).toBe(false);
  });

  it('labels a point by its x and xLabel, by its test name without x or when x labels collide', () => {
    const p = point(vllm(1, 2, 3), {}, { x: 2.5, xLabel: 'offered req/s', test: 'rate 2.5' });
    expect(pointLabel(p)).toBe('2.5 offered req/s');
    expect(pointLabel({ ...p, xLabel: null })).toBe('x = 2.5');
    expect(pointLabel({ ...p, x: null })).toBe('rate 2.5');
    const twins = phaseBreakdowns([p, { ...p, test: 'rate 2.5 again' }]);
    expect(twins.map((b) => b.label)).toEqual(['rate 2.5', 'rate 2.5 again']);
  });
});

describe('renderPhaseBreakdown', () => {
  const points = [
    point(vllm(0.4, 18, 310), { ttft: 24, e2el: 335 }, { test: '2 req/s', x: 2, xLabel: 'offered req/s' }),
    point(
      vllm(900, 120, 610),
      { ttft: 1400, e2el: 1650 },
      { test: '16 req/s', x: 16, xLabel: 'offered req/s' },
    ),
    point(
      vllm(1, 1, 1, { engine: 'llamacpp', histograms: {} }),
      {},
      { test: 'llama', x: 3, xLabel: 'offered req/s' },
    ),
  ];

  it('tabulates the phases, shares and both gaps per point, then the reasons and the gaps that are not close', () => {
    const md = renderPhaseBreakdown(phaseBreakdowns(points));
    expect(md).toMatch(/^\*\*Phase breakdown \(server\):\*\*/);
    expect(md).toContain(
      '| point | requests | queue (ms) | prefill (ms) | decode (ms) | queue / prefill / decode | queue + prefill vs client TTFT (ms) | TTFT gap (ms) | total vs client E2EL (ms) | E2EL gap (ms) |',
    );
    expect(md).toContain(
      '| 2 offered req/s | 200 | 0.4 | 18.0 | 310.0 | <1% / 5% / 94% | 18.4 vs 24.0 | +5.6 (+23.3%) ⚠️ | 328.4 vs 335.0 | +6.6 (+2.0%) |',
    );
    // 1,400 - 1,020 = 380 ms (27 %): far outside the server's phases.
    expect(md).toContain(
      '| 16 offered req/s | 200 | 900.0 | 120.0 | 610.0 | 55% / 7% / 37% | 1,020.0 vs 1,400.0 | +380.0 (+27.1%) ⚠️ |',
    );
    expect(md).toMatch(
      /- ⚠️ \*\*16 offered req\/s\*\*: the client's mean TTFT 1,400.0 ms vs the server's queue \+ prefill 1,020.0 ms: 380.0 ms per request went outside/,
    );
    expect(md).toContain('- **3 offered req/s**: not available: llama.cpp does not time requests by phase');
    // The unavailable point has no row.
    expect(md).not.toMatch(/^\| 3 offered/m);
  });

  it('is empty when no point has a breakdown', () => {
    expect(renderPhaseBreakdown(phaseBreakdowns([points[2] as PointResult]))).toBe('');
    expect(phaseChart('e', phaseBreakdowns([points[2] as PointResult]), true)).toBeNull();
  });

  it('charts one bar per point, segments in ms, the client means as marks', () => {
    const options = phaseChart('saturation', phaseBreakdowns(points), true);
    expect(options).not.toBeNull();
    const svg = parseXml(stackedBarChart(options as NonNullable<typeof options>));
    const bars = select(svg, 'g', 'bar');
    expect(bars.map((b) => b.attrs['data-label'])).toEqual([
      '2 offered req/s',
      '16 offered req/s',
      '3 offered req/s',
    ]);
    expect(
      select(bars[1] as XmlElement, 'rect', 'segment').map((s) => Number(s.attrs['data-value'])),
    ).toEqual([900, 120, 610]);
    expect(select(bars[0] as XmlElement, 'g', 'mark').map((m) => Number(m.attrs['data-value']))).toEqual([
      24, 335,
    ]);
    expect(textOf(select(bars[2] as XmlElement, 'text', 'missing')[0] as XmlElement)).toMatch(
      /^not available: llama\.cpp/,
    );
    expect(textOf(select(svg, 'text', 'watermark')[0] as XmlElement)).toBe('SIMULATED');
  });
});

describe('the Markdown report', () => {
  it('has the section and links the chart file for an experiment whose points have the histograms', () => {
    const results: ResultsFile = sampleResults();
    const saturation = results.points.filter((p) => p.experiment === results.points[0]?.experiment);
    saturation.forEach((p, i) => {
      p.serverMetrics = vllm(5 * i, 20 + i, 300 + 10 * i);
      p.summary.mean_e2el_ms = 5 * i + 20 + i + 300 + 10 * i + 4;
    });
    const { markdown, charts } = renderMarkdown(resultsFileSchema.parse(results));
    expect(markdown.match(/\*\*Phase breakdown \(server\):\*\*/g)).toHaveLength(1);
    const chart = charts.find((c) => c.file.endsWith('-phases.svg'));
    expect(chart).toBeDefined();
    expect(markdown).toContain(`](${chart?.file})`);
    const svg = parseXml(chart?.svg ?? '');
    expect(select(svg, 'g', 'bar')).toHaveLength(saturation.length);
    // Other experiments (no server metrics) get neither.
    expect(charts.filter((c) => c.file.endsWith('-phases.svg'))).toHaveLength(1);
  });
});
