import { describe, expect, it } from 'vitest';
import type { ObjectiveVerdict } from '../capacity/result.ts';
import { analyzeServerSweep, type ServerSweepResult } from '../capacity/server-sweep.ts';
import type { BenchmarkSummary } from '../metrics/summarize.ts';
import { judgeServerSweep, sweepAnswer } from '../vitest/server-sweep-baseline.ts';
import { renderMarkdown } from './markdown.ts';
import { sampleResults } from './sample-results.ts';
import type { BaselineOutcome, PointResult } from './schema.ts';
import { serverSweepBaselineLines } from './server-sweep-outcome.ts';

const attainment = (lo: number, hi: number): ObjectiveVerdict => ({
  objective: 'attainment',
  target: 0.8,
  measured: (lo + hi) / 2,
  ci: [lo, hi],
  judgedAgainst: 0.8,
  verdict: lo >= 0.8 ? 'pass' : hi < 0.8 ? 'fail' : 'undecided',
});

const sweep = (points: Array<[number, ObjectiveVerdict]>): ServerSweepResult =>
  analyzeServerSweep(
    points.map(([x, o]) => ({
      x,
      label: `${x} %`,
      gpus: 1,
      serverArgs: [],
      summary: {
        completed: 64,
        failed: 0,
        request_throughput: 7.8,
        output_throughput: 250,
        valid: true,
        invalid_reasons: [],
      } as unknown as BenchmarkSummary,
      slo: o.verdict,
      objectives: [o],
      capacity: null,
      rawFile: `raw/${x}.jsonl`,
    })),
    { kind: 'mps', xLabel: 'MPS active thread %', load: 'poisson 8 req/s', slo: '80 % within TTFT 150 ms' },
  );

const reportPoint = (s: ServerSweepResult, baseline: BaselineOutcome | null): PointResult => {
  const base = sampleResults().points[0] as PointResult;
  return { ...base, experiment: 'mps', test: 'elbow', x: null, xLabel: null, baseline, serverSweep: s };
};

describe("a server sweep's baseline outcome in the report", () => {
  const recorded = sweepAnswer(
    sweep([
      [10, attainment(0, 0.5)],
      [50, attainment(0.86, 1)],
      [100, attainment(0.94, 1)],
    ]),
  );
  const now = sweep([
    [10, attainment(0, 0.5)],
    [50, attainment(0.03, 0.6)],
    [100, attainment(0.48, 0.88)],
  ]);
  const j = judgeServerSweep(now, recorded);
  const outcome: BaselineOutcome = {
    status: 'regressed',
    verdicts: j.verdicts,
    baselineUnderTest: null,
    message: j.elbow ?? '',
  };

  it('names the regressed point, the points not judged and the elbow, under the sweep table', () => {
    const [line] = serverSweepBaselineLines(reportPoint(now, outcome));
    expect(line).toBe(
      '❌ **Baseline:** regressed (3 points compared): ❌ regressed at 50 %; ⚠️ not judged at 100 % (undecided or invalid now, never a regression); the elbow moved up, from 50 % to none (the SLO needs more SMs now): 100 % is undecided now (attainment 0.680 \\[0.480, 0.880\\] vs 0.8), it passed when recorded',
    );
    const { markdown } = renderMarkdown({ ...sampleResults(), points: [reportPoint(now, outcome)] });
    const table = markdown.indexOf('| 100 % (reference) |');
    const baseline = markdown.indexOf('❌ **Baseline:** regressed');
    expect(table).toBeGreaterThan(0);
    expect(baseline).toBeGreaterThan(table);
    // The per-point rows, each with both verdicts and intervals, in the baseline comparison.
    expect(markdown).toMatch(/\| elbow \| 50 %: attainment .* \| ❌ regressed: 50 %: it passed the SLO/);
  });

  it('says when the sweep matched, was recorded, or has no baseline', () => {
    const matched = { ...outcome, status: 'matched' as const, verdicts: j.verdicts.slice(0, 1), message: '' };
    expect(serverSweepBaselineLines(reportPoint(now, matched))[0]).toBe(
      '✅ **Baseline:** matched (1 point compared)',
    );
    const recordedNow = { status: 'new' as const, verdicts: [], baselineUnderTest: null };
    expect(serverSweepBaselineLines(reportPoint(now, recordedNow))[0]).toMatch(
      /^🆕 \*\*Baseline:\*\* recorded/,
    );
    const missing = {
      ...recordedNow,
      status: 'missing' as const,
      message: 'no server sweep baseline\nrecord one',
    };
    expect(serverSweepBaselineLines(reportPoint(now, missing))[0]).toBe(
      '⚠️ **Baseline:** none recorded: no server sweep baseline — record one',
    );
    expect(serverSweepBaselineLines(reportPoint(now, null))).toEqual([]);
  });
});
