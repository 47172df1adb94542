import { describe, expect, it } from 'vitest';
import type { BenchmarkSummary } from '../metrics/summarize.ts';
import type { CapacityResult } from './result.ts';
import { analyzeServerSweep, findElbow, type ServerSweepRun, scalingEfficiency } from './server-sweep.ts';

/** The few summary keys the analysis reads (a full summary has many more). */
function summary(s: { rps: number; ttft: number; itl: number; valid?: boolean }): BenchmarkSummary {
  return {
    completed: 100,
    failed: 0,
    request_throughput: s.rps,
    output_throughput: s.rps * 128,
    mean_ttft_ms: s.ttft,
    p99_ttft_ms: 2 * s.ttft,
    mean_itl_ms: s.itl,
    valid: s.valid ?? true,
    invalid_reasons: s.valid === false ? ['the simulator fell behind'] : [],
  } as unknown as BenchmarkSummary;
}

const capacity = (maxPassing: number | null, minFailing: number | null) =>
  ({ max_passing: maxPassing, min_failing: minFailing }) as CapacityResult;

function run(x: number, s: Parameters<typeof summary>[0], slo: ServerSweepRun['slo'] = null): ServerSweepRun {
  return {
    x,
    label: `${x} %`,
    gpus: 1,
    serverArgs: [],
    summary: summary(s),
    slo,
    objectives: [],
    capacity: null,
    rawFile: `raw/${x}.jsonl`,
  };
}

/** Seed 000's published table (RTX 4090, Qwen2.5-1.5B, 4 req/s): req/s, mean TTFT, mean ITL. */
const seed000: Array<[number, number, number, number]> = [
  [20, 3.47, 42.97, 7.0],
  [40, 3.56, 25.5, 5.77],
  [60, 3.57, 21.12, 5.5],
  [80, 3.58, 17.95, 5.25],
  [100, 3.57, 17.21, 5.48],
];
const spec = { kind: 'mps', xLabel: 'MPS active thread %', load: '4 req/s', slo: 'TTFT 30 ms' } as const;

describe('server sweep analysis', () => {
  it("gives seed 000's ratios to 100 % and the elbow: the least share whose point and all above pass", () => {
    const verdicts = ['fail', 'pass', 'pass', 'pass', 'pass'] as const;
    const result = analyzeServerSweep(
      seed000.map(([x, rps, ttft, itl], i) => run(x, { rps, ttft, itl }, verdicts[i])),
      spec,
    );
    expect(result.reference).toBe(100);
    const p20 = result.points[0];
    expect(p20?.ratios.ttft).toBeCloseTo(42.97 / 17.21, 6); // the seed's "2.5x"
    expect(p20?.ratios.itl).toBeCloseTo(7.0 / 5.48, 6);
    expect(p20?.ratios.throughput).toBeCloseTo(3.47 / 3.57, 6);
    expect(result.elbow).toBe(40);
    expect(result.elbowNote).toBe('20 % fails the SLO');
    expect(result.points.map((p) => p.efficiency)).toEqual([null, null, null, null, null]);
  });

  it('never puts the elbow below an undecided or invalid point, nor anywhere when the largest fails', () => {
    const points = (verdicts: ServerSweepRun['slo'][], valid: boolean[] = verdicts.map(() => true)) =>
      analyzeServerSweep(
        verdicts.map((v, i) => run(20 * (i + 1), { rps: 1, ttft: 10, itl: 1, valid: valid[i] }, v)),
        spec,
      ).points;
    expect(findElbow(points(['pass', 'undecided', 'pass', 'pass', 'pass']))).toEqual({
      elbow: 60,
      note: '40 % is undecided',
    });
    expect(
      findElbow(points(['pass', 'pass', 'pass', 'pass', 'pass'], [true, true, false, true, true])),
    ).toEqual({
      elbow: 80,
      note: '60 % is invalid',
    });
    expect(findElbow(points(['pass', 'pass', 'pass', 'pass', 'fail']))).toEqual({
      elbow: null,
      note: 'the largest point (100 %) failed the SLO',
    });
    expect(findElbow(points(['pass', 'pass', 'pass', 'pass', 'pass']))).toEqual({
      elbow: 20,
      note: 'every point met the SLO',
    });
    expect(findElbow(points([null, null, null, null, null]))).toEqual({
      elbow: null,
      note: 'no SLO was given',
    });
  });

  it('with larger x harder (model size), the elbow is the greatest x that and all below it pass', () => {
    const sizes = (verdicts: ServerSweepRun['slo'][]) =>
      analyzeServerSweep(
        verdicts.map((v, i) => ({
          ...run([0.5, 1.5, 7, 14][i] as number, { rps: 1, ttft: 10, itl: 1 }, v),
          label: `${[0.5, 1.5, 7, 14][i]}B`,
        })),
        { ...spec, kind: 'arguments', xLabel: 'parameters (B)', elbowRule: 'greatest' },
      );
    const result = sizes(['pass', 'pass', 'pass', 'fail']);
    expect([result.elbow, result.elbowNote, result.elbowRule]).toEqual([7, '14B fails the SLO', 'greatest']);
    expect(sizes(['fail', 'pass', 'pass', 'pass']).elbowNote).toBe(
      'the smallest point (0.5B) failed the SLO',
    );
    expect(sizes(['pass', 'undecided', 'pass', 'pass']).elbow).toBe(0.5);
  });

  it("scaling efficiency from both capacity brackets: seed 003's 1 vs 4 GPUs", () => {
    // Seed 003: one GPU caps near 13.7 req/s, four reach 34 req/s.
    const one = { x: 1, capacity: capacity(13.7, 14.5) };
    const four = { x: 4, capacity: capacity(34, 36) };
    const e = scalingEfficiency(four, one);
    expect(e?.value).toBeCloseTo(34 / 13.7 / 4, 9);
    expect(e?.low).toBeCloseTo(34 / 14.5 / 4, 9);
    expect(e?.high).toBeCloseTo(36 / 13.7 / 4, 9);
    expect(scalingEfficiency(one, one)?.value).toBe(1);
    // An open bracket (no failing load found) leaves the upper end open.
    expect(scalingEfficiency({ x: 4, capacity: capacity(34, null) }, one)?.high).toBeNull();
    expect(scalingEfficiency({ x: 4, capacity: capacity(null, 3) }, one)).toBeNull();
    expect(scalingEfficiency({ x: 4, capacity: null }, one)).toBeNull();
  });

  it('scaling sweeps are relative to the fewest GPUs and have no elbow; a missing reference is an error', () => {
    const runs = [1, 2, 4].map((x) => ({
      ...run(x, { rps: 10 * x, ttft: 50, itl: 5 }, 'pass'),
      capacity: capacity(12 * x, 13 * x),
    }));
    const result = analyzeServerSweep(runs, { ...spec, kind: 'scaling', xLabel: 'GPUs' });
    expect(result.reference).toBe(1);
    expect(result.elbow).toBeNull();
    expect(result.points.map((p) => p.efficiency?.value)).toEqual([1, 1, 1]);
    expect(result.points[2]?.ratios.throughput).toBe(4);
    expect(() =>
      analyzeServerSweep(runs, { ...spec, kind: 'scaling', xLabel: 'GPUs', reference: 3 }),
    ).toThrow('the reference x 3 is not one of the sweep');
  });
});
