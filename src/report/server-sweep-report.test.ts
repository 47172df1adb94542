import { describe, expect, it } from 'vitest';
import type { CapacityResult } from '../capacity/result.ts';
import { analyzeServerSweep, type ServerSweepResult, type ServerSweepRun } from '../capacity/server-sweep.ts';
import type { BenchmarkSummary } from '../metrics/summarize.ts';
import { renderMarkdown } from './markdown.ts';
import { sampleResults } from './sample-results.ts';
import {
  renderServerSweepSection,
  type ServerSweepReportPoint,
  serverSweepAnswerLine,
  serverSweepChart,
  serverSweepTable,
} from './server-sweep-report.ts';

const summary = (rps: number, ttft: number, itl: number) =>
  ({
    completed: 40,
    failed: 0,
    request_throughput: rps,
    output_throughput: rps * 100,
    mean_ttft_ms: ttft,
    p99_ttft_ms: 2 * ttft,
    mean_itl_ms: itl,
    valid: true,
    invalid_reasons: [],
  }) as unknown as BenchmarkSummary;

const attainment = (measured: number, lo: number, hi: number) => ({
  objective: 'attainment',
  target: 0.9,
  measured,
  ci: [lo, hi] as [number, number],
  judgedAgainst: 0.9,
  verdict: (lo >= 0.9 ? 'pass' : hi < 0.9 ? 'fail' : 'undecided') as 'pass' | 'fail' | 'undecided',
});

/** Seed 000's figures judged against TTFT <= 30 ms for 90 % of requests. */
const mpsSweep = (): ServerSweepResult =>
  analyzeServerSweep(
    (
      [
        [20, 3.47, 42.97, 7.0, attainment(0.1, 0.03, 0.3)],
        [40, 3.56, 25.5, 5.77, attainment(0.97, 0.91, 0.99)],
        [100, 3.57, 17.21, 5.48, attainment(1, 0.95, 1)],
      ] as const
    ).map(
      ([x, rps, ttft, itl, objective]): ServerSweepRun => ({
        x,
        label: `${x} %`,
        gpus: 1,
        serverArgs: [],
        summary: summary(rps, ttft, itl),
        slo: objective.verdict,
        objectives: [objective],
        capacity: null,
        rawFile: `raw/mps/${x}.jsonl`,
      }),
    ),
    {
      kind: 'mps',
      xLabel: 'MPS active thread %',
      load: 'poisson 4 req/s',
      slo: '90 % of requests within TTFT 30 ms',
    },
  );

/** A 1- vs 4-GPU scaling sweep with the given capacity answers (the fields the report reads). */
const scalingSweep = (one: Partial<CapacityResult>, four: Partial<CapacityResult>) =>
  analyzeServerSweep(
    [1, 4].map(
      (x): ServerSweepRun => ({
        x,
        label: `${x} GPU${x === 1 ? '' : 's'}`,
        gpus: x,
        serverArgs: [],
        summary: summary(10 * x, 50, 5),
        slo: 'pass',
        objectives: [],
        capacity: (x === 1 ? one : four) as CapacityResult,
        rawFile: `raw/scaling/${x}.jsonl`,
      }),
    ),
    { kind: 'scaling', xLabel: 'GPUs', load: '60 req/s', slo: null },
  );

function point(sweep: ServerSweepResult): ServerSweepReportPoint {
  const base = sampleResults().points[0];
  if (!base) throw new Error('the sample results have no point');
  return {
    ...base,
    experiment: 'mps: Qwen2.5-1.5B',
    test: 'elbow',
    x: null,
    xLabel: null,
    simulated: true,
    baseline: null,
    serverSweep: sweep,
  };
}

describe('server sweep in the report: the answer first', () => {
  it('states the elbow, what fails below it and what the least share costs', () => {
    expect(serverSweepAnswerLine(point(mpsSweep()))).toBe(
      '**The SLO holds down to 40 %** (90 % of requests within TTFT 30 ms at poisson 4 req/s); 20 % fails the SLO. At 20 %: TTFT 2.50×, ITL 1.28×, throughput 0.97× of 100 %.',
    );
  });

  it('with larger x harder, says how far up the SLO holds and what the hardest point costs', () => {
    const sizes = analyzeServerSweep(
      (
        [
          [0.5, 30],
          [7, 45],
          [14, 90],
        ] as const
      ).map(
        ([x, ttft]): ServerSweepRun => ({
          x,
          label: `${x}B`,
          gpus: 1,
          serverArgs: [],
          summary: summary(4, ttft, 5),
          slo: ttft < 60 ? 'pass' : 'fail',
          objectives: [],
          capacity: null,
          rawFile: `raw/sizes/${x}.jsonl`,
        }),
      ),
      {
        kind: 'arguments',
        xLabel: 'parameters (B)',
        load: '4 req/s',
        slo: 'TTFT 60 ms',
        elbowRule: 'greatest',
      },
    );
    expect(serverSweepAnswerLine(point(sizes))).toBe(
      '**The SLO holds up to 7B** (TTFT 60 ms at 4 req/s); 14B fails the SLO. At 14B: TTFT 3.00×, ITL 1.00×, throughput 1.00× of 0.5B.',
    );
  });

  it('tables every point with ratios to the reference and the SLO with its interval', () => {
    const rows = serverSweepTable(mpsSweep()).split('\n');
    expect(rows[0]).toBe(
      '| MPS active thread % | req/s | vs 100 % | output tok/s | mean TTFT (ms) | vs 100 % | p99 TTFT (ms) | mean ITL (ms) | vs 100 % | SLO at the load |',
    );
    expect(rows[2]).toBe(
      '| 20 % | 3.47 | 0.97× | 347.0 | 43.0 | 2.50× | 85.9 | 7.0 | 1.28× | ❌ fail (attainment 0.10 [0.03, 0.30]) |',
    );
    expect(rows[3]).toContain('| 40 % (elbow) |');
    expect(rows[4]).toContain('| 100 % (reference) |');
  });

  it('scaling: capacity, gain and efficiency with the interval from both brackets', () => {
    const sweep = scalingSweep(
      { max_passing: 13.7, min_failing: 14.5 } as Partial<CapacityResult>,
      { max_passing: 34, min_failing: 36 } as Partial<CapacityResult>,
    );
    expect(serverSweepAnswerLine(point(sweep))).toBe(
      '**4 GPUs hold 34.0 req/s under the SLO, 2.48× 1 GPU: scaling efficiency 62% [59%, 66%]** (capacity per GPUs against 1 GPU; the interval from both capacity brackets).',
    );
    const table = serverSweepTable(sweep);
    expect(table).toContain('| capacity (req/s) | efficiency |');
    expect(table).toContain('| 34.0 [34.0, 36.0] | 62% [59%, 66%] |');
    const chart = serverSweepChart(point(sweep));
    expect(chart?.series.map((s) => s.name)).toEqual(['capacity under the SLO', 'scaling efficiency']);
    expect(chart?.series[0]?.points[1]).toEqual({ x: 4, y: 34, lo: 34, hi: 36 });
  });

  it('says plainly when a GPU count found no load that passed, instead of an efficiency', () => {
    const sweep = scalingSweep(
      { max_passing: 13.7, min_failing: 14.5, stop_reason: 'precision' } as Partial<CapacityResult>,
      { max_passing: null, min_failing: 64, stop_reason: 'max-probes' } as Partial<CapacityResult>,
    );
    expect(serverSweepAnswerLine(point(sweep))).toMatch(
      /^\*\*No scaling efficiency\*\* \(no load passed the SLO at 4 GPUs: .+\); 4 GPUs: 40\.0 req\/s at the common load, 4\.00× 1 GPU\.$/,
    );
  });

  it('a confirmation left undecided says so, with the recorded capacity it probed', () => {
    const sweep = scalingSweep(
      {
        mode: 'confirm',
        max_passing: null,
        min_failing: null,
        stop_reason: 'unresolved',
        probes: [{ load: 11.28 }],
      } as Partial<CapacityResult>,
      {
        mode: 'confirm',
        max_passing: 58.7,
        min_failing: 67.2,
        stop_reason: 'confirmed',
        probes: [{ load: 58.7 }],
      } as Partial<CapacityResult>,
    );
    expect(serverSweepAnswerLine(point(sweep))).toBe(
      '**No scaling efficiency** (the recorded capacity at 1 GPU: probes near the boundary stayed undecided at their length cap); 4 GPUs: 40.0 req/s at the common load, 4.00× 1 GPU.',
    );
    expect(serverSweepTable(sweep)).toContain('| undecided at 11.3 (recorded) | — |');
  });

  it('charts ratios with the elbow marked, and summary.md answers first with the chart linked', () => {
    const p = point(mpsSweep());
    const chart = serverSweepChart(p);
    expect(chart?.xMarks).toEqual([{ x: 40, label: 'elbow 40 %' }]);
    expect(chart?.watermark).toBe('SIMULATED');
    expect(renderServerSweepSection(p)[0]).toBe(serverSweepAnswerLine(p));
    const results = sampleResults();
    const { markdown, charts } = renderMarkdown({ ...results, points: [p] });
    expect(markdown).toContain(`- **mps: Qwen2.5-1.5B:** ${serverSweepAnswerLine(p)}`);
    expect(charts.map((c) => c.file)).toEqual(['charts/mps-qwen2-5-1-5b-mps.svg']);
    expect(markdown).not.toContain('| p50 TTFT (ms) |'); // no plain-point table for a sweep
  });
});
