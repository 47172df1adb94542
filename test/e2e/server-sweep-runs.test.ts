import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultsFileSchema } from '../../src/report/schema.ts';
import { dirs, vitest } from './helpers/fixture-project.ts';

/**
 * Real Vitest runs of server sweeps (test/e2e/fixture/server-sweep.test.ts) on the simulator, in
 * CI mode: one server per point, started and stopped in turn; results.json holds the sweep,
 * summary.md its answer, table and chart, and raw records are kept per point.
 */
const sweepRun = async (sweep: 'mps' | 'scaling') => {
  const d = await dirs();
  const run = await vitest({
    FX_OPTIONS: d.options(),
    FX_INCLUDE: 'server-sweep.test.ts',
    FX_SWEEP: sweep,
    CI: 'true',
  });
  expect(run.code, run.out).toBe(0);
  const results = resultsFileSchema.parse(
    JSON.parse(await readFile(join(d.results, 'results.json'), 'utf8')),
  );
  const summary = await readFile(join(d.results, 'summary.md'), 'utf8');
  return { d, results, summary, point: results.points.find((p) => p.state === 'passed') };
};

describe('server sweeps in real Vitest runs (simulator)', () => {
  it("an MPS sweep finds the elbow, gives ratios to 100 % and keeps each point's evidence", async () => {
    const { d, point, summary } = await sweepRun('mps');
    const sweep = point?.serverSweep;
    expect(sweep?.elbow).toBe(50);
    expect(sweep?.points.map((p) => [p.x, p.slo])).toEqual([
      [10, 'fail'],
      [50, 'pass'],
      [100, 'pass'],
    ]);
    // 10 % of the SMs: prefill (TTFT) slows far more than the throughput the load asks for.
    const [p10] = sweep?.points ?? [];
    expect(p10?.ratios.ttft).toBeGreaterThan(3);
    for (const p of sweep?.points ?? []) {
      expect(p.serverArgs.join(' '), `point ${p.x}`).toContain('--mps-active-thread-percentage');
      expect(p.serverMetrics?.available, `point ${p.x}`).toBe(true);
    }
    expect(summary).toMatch(
      /\*\*The SLO holds down to 50 %\*\* \(80 % of requests within TTFT 150 ms at poisson 8 req\/s/,
    );
    expect(summary).toContain('| 50 % (elbow) |');
    expect(await readdir(join(d.results, 'charts'))).toEqual(['mps-experiment-mps.svg']);
    const raw = await readdir(join(d.results, 'raw', 'mps-experiment', 'least-mps-share-that-holds-the-slo'));
    expect(raw.filter((f) => !f.includes('server-metrics'))).toEqual([
      'mps-10.jsonl',
      'mps-100.jsonl',
      'mps-50.jsonl',
    ]);
  });

  it('a scaling sweep searches each GPU count and states the efficiency with its interval', async () => {
    const { point, summary } = await sweepRun('scaling');
    const sweep = point?.serverSweep;
    expect(sweep?.reference).toBe(1);
    const [one, two] = sweep?.points ?? [];
    expect(one?.gpus).toBe(1);
    expect(two?.gpus).toBe(2);
    expect(one?.efficiency).toMatchObject({ value: 1 });
    const e = two?.efficiency;
    expect(e?.value).toBeCloseTo(
      (two?.capacity?.max_passing ?? 0) / (one?.capacity?.max_passing ?? 1) / 2,
      9,
    );
    expect(e?.low ?? 0).toBeLessThanOrEqual(e?.value ?? 0);
    if (e?.high != null) expect(e.high).toBeGreaterThanOrEqual(e.value);
    expect(summary).toMatch(
      /\*\*2 GPUs hold [\d.]+ req\/s under the SLO, [\d.]+× 1 GPU: scaling efficiency \d+%/,
    );
    expect(summary).toContain('| capacity (req/s) | efficiency |');
  });
});
