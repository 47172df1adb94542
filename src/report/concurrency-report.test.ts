import { describe, expect, it } from 'vitest';
import { allElements, parseXml, select } from '../../test/helpers/report/parse-xml.ts';
import type { ConcurrencyLevel, ConcurrencySweepResult } from '../capacity/concurrency-sweep.ts';
import {
  type ConcurrencySweepPoint,
  concurrencySweepChart,
  renderConcurrencySection,
  sweepAnswerLine,
  sweepServerTable,
  sweepTable,
} from './concurrency-report.ts';
import { renderMarkdown } from './markdown.ts';
import { sampleResults } from './sample-results.ts';
import { resultsFileSchema } from './schema.ts';
import { lineChart } from './svg-chart.ts';

/** Seed 004's published figures as a sweep's levels (total latency: its p95 stands in for the mean). */
const seed004: Array<[number, number, number, number, number, number, number]> = [
  // concurrency, tok/s, mean TTFT, p95 TTFT, p99 TTFT, p95 total, p99 total
  [1, 213.5, 6.5, 6.8, 13.1, 469, 501],
  [2, 402.7, 9.0, 9.6, 10.6, 507, 513],
  [4, 699.0, 11.7, 19.7, 22.2, 561, 564],
  [8, 1289.8, 14.1, 23.0, 23.6, 588, 588],
  [16, 2367.8, 21.7, 32.7, 33.4, 561, 561],
  [32, 2413.3, 360.4, 547.0, 547.8, 1119, 1119],
];

function level([c, tps, mean, p95, p99, p95e, p99e]: (typeof seed004)[number]): ConcurrencyLevel {
  return {
    concurrency: c,
    requests: 50,
    completed: 50,
    failed: 0,
    rateLimited: 0,
    outputThroughput: tps,
    requestThroughput: tps / 100,
    scaling: tps / 213.5,
    meanTtftMs: mean,
    p95TtftMs: p95,
    p99TtftMs: p99,
    meanE2elMs: p95e,
    p95E2elMs: p95e,
    p99E2elMs: p99e,
    inFlight: c,
    littleRatio: 1,
    littleOk: true,
    valid: true,
    invalidReasons: [],
    rawFile: `raw/concurrency/c${c}.jsonl`,
  };
}

const sampleSweep = (): ConcurrencySweepResult => ({
  levels: seed004.map(level),
  scalingBase: 1,
  saturation: 16,
  rules: { saturationGrowth: 0.1, littleTolerance: 0.1 },
});

function samplePoint(sweep: ConcurrencySweepResult = sampleSweep()): ConcurrencySweepPoint {
  const base = sampleResults().points[0];
  if (!base) throw new Error('the sample results have no point');
  return {
    ...base,
    experiment: 'concurrency: Qwen2.5-1.5B on an RTX 4090',
    test: 'throughput and latency vs concurrency',
    x: null,
    xLabel: null,
    offeredRate: null,
    simulated: true,
    baseline: null,
    concurrencySweep: sweep,
  };
}

describe('concurrency sweep in the report: the answer first', () => {
  it('states the saturation, its throughput and scaling, and the TTFT jump beyond it', () => {
    expect(sweepAnswerLine(samplePoint())).toBe(
      '**Throughput saturates at concurrency 16: 2,368 tok/s, 11.1× concurrency 1**; beyond it TTFT p99 ' +
        'jumps from 33 ms to 548 ms (concurrency 32). Saturation: the smallest level after which every ' +
        'larger one gives less than 10% more throughput per doubling.',
    );
    const growing = { ...sampleSweep(), saturation: null, levels: sampleSweep().levels.slice(0, 5) };
    expect(sweepAnswerLine(samplePoint(growing))).toMatch(
      /^\*\*Throughput did not saturate up to concurrency 16: 2,368 tok\/s, 11\.1× concurrency 1\*\*/,
    );
  });

  it("has seed 004's table shape, the saturation level marked", () => {
    const rows = sweepTable(sampleSweep()).split('\n');
    expect(rows).toHaveLength(2 + 6);
    expect(rows[0]).toBe(
      "| concurrency | requests | output tok/s | scaling (vs 1) | mean TTFT (ms) | p95 TTFT (ms) | p99 TTFT (ms) | mean total (ms) | p95 total (ms) | p99 total (ms) | Little's law (in flight / concurrency) | 429 (backpressure) | failed |",
    );
    expect(rows[6]).toBe(
      '| 16 (saturation) | 50 | 2,367.8 | 11.09× | 21.7 | 32.7 | 33.4 | 561.0 | 561.0 | 561.0 | 16.0 / 16 = 1.00 | 0 | 0 |',
    );
  });

  it('spells out a client that did not hold its concurrency, 429s apart from failures, invalid levels', () => {
    const sweep = sampleSweep();
    const c32 = sweep.levels[5] as ConcurrencyLevel;
    Object.assign(c32, {
      inFlight: 24.3,
      littleRatio: 24.3 / 32,
      littleOk: false,
      rateLimited: 7,
      requests: 57,
    });
    const c8 = sweep.levels[3] as ConcurrencyLevel;
    Object.assign(c8, { valid: false, invalidReasons: ['the simulator fell behind its model'] });
    const section = renderConcurrencySection(samplePoint(sweep)).join('\n');
    expect(section).toContain('| 32 | 57 |');
    expect(section).toContain('24.3 / 32 = 0.76 ⚠️ | 7 | 0 |');
    expect(section).toMatch(
      /concurrency 32: the client did not hold its concurrency: 24\.3 requests in flight/,
    );
    expect(section).toMatch(
      /concurrency 32: the server refused 7 of 57 requests with HTTP 429 \(backpressure\)/,
    );
    expect(section).toMatch(
      /concurrency 8 is invalid and left out of the saturation rule: the simulator fell behind/,
    );
  });

  it('draws throughput and p99 TTFT (log axis: it spans 50×) with the saturation marked, SIMULATED', () => {
    const options = concurrencySweepChart(samplePoint());
    expect(options?.secondAxis).toEqual({ label: 'p99 TTFT (ms)', log: true });
    const svg = parseXml(lineChart(options as NonNullable<typeof options>));
    expect(select(svg, 'g', 'series').map((g) => g.attrs['data-name'])).toEqual([
      'output throughput',
      'p99 TTFT',
    ]);
    expect(select(svg, 'g', 'x-mark')).toHaveLength(1);
    expect(allElements(svg).some((e) => e.text === 'saturation 16')).toBe(true);
    expect(select(svg, 'text', 'watermark')[0]?.text).toBe('SIMULATED');
    expect(
      concurrencySweepChart(samplePoint({ ...sampleSweep(), levels: sampleSweep().levels.slice(0, 1) })),
    ).toBeNull();
  });

  it('summary.md puts the answer in the header and first in the experiment, with the chart, and no plain-point table', () => {
    const results = resultsFileSchema.parse({ ...sampleResults(), points: [samplePoint()] });
    const { markdown, charts } = renderMarkdown(results);
    const answer = sweepAnswerLine(samplePoint());
    const heading = '## concurrency: Qwen2.5-1.5B on an RTX 4090';
    expect(markdown.indexOf(answer)).toBeLessThan(markdown.indexOf(heading));
    const section = markdown.slice(markdown.indexOf(heading));
    expect(section.split('\n').filter((l) => l.trim() !== '')[2]).toBe(answer);
    expect(charts.map((c) => c.file)).toEqual([
      'charts/concurrency-qwen2-5-1-5b-on-an-rtx-4090-concurrency.svg',
    ]);
  });

  it('puts what the server, GPUs and host said per level in a table of its own, and none without it', () => {
    expect(sweepServerTable(sampleSweep())).toBe('');
    const sweep = sampleSweep();
    const gauge = (mean: number, max: number) => ({ mean, max, samples: 5, source: 'vllm:x' });
    const [c1, , , , c16] = sweep.levels;
    if (!c1 || !c16) throw new Error('sample sweep too short');
    c16.serverMetrics = {
      source: 'prometheus',
      endpoint: 'http://127.0.0.1:1/metrics',
      engine: 'vllm',
      available: true,
      intervalMs: 1000,
      windowS: 5,
      scrapes: 6,
      failedScrapes: 0,
      counters: { preemptions: { increase: 3, source: 'vllm:num_preemptions_total' } },
      gauges: {
        requestsRunning: gauge(15.5, 16),
        requestsWaiting: gauge(2.25, 7),
        kvCacheUsage: gauge(0.91, 0.995),
      },
      histograms: {},
      crossChecks: [],
      warnings: [],
      rawFile: null,
    };
    c1.telemetry = {
      source: 'nvidia-smi',
      intervalMs: 500,
      durationS: 5,
      gpus: [
        {
          index: '0',
          uuid: 'GPU-1',
          samples: 10,
          utilizationPct: null,
          memoryUsedMiB: { mean: 70_000, max: 71_680 },
          memoryTotalMiB: 81_559,
          smClockMHz: null,
          powerW: null,
        },
      ],
    };
    const rows = sweepServerTable(sweep).split('\n');
    expect(rows[0]).toContain('Server, GPUs and host during each level');
    expect(rows.find((r) => r.startsWith('| 16 |'))).toBe(
      '| 16 | 15.5 / 16.0 | 2.3 / 7.0 | 91 / 100 | 3 | — | — |',
    );
    expect(rows.find((r) => r.startsWith('| 1 |'))).toBe('| 1 | — | — | — | — | 70.0 | — |');
    expect(renderConcurrencySection(samplePoint(sweep)).join('\n')).toContain('| 16 | 15.5 / 16.0 |');
  });
});
