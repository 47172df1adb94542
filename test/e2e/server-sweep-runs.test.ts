import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultsFileSchema } from '../../src/report/schema.ts';
import { dirs, vitest } from './helpers/fixture-project.ts';

/**
 * Real Vitest runs of server sweeps (test/e2e/fixture/server-sweep.test.ts) on the simulator: one
 * server per point, started and stopped in turn; results.json holds the sweep, summary.md its
 * answer, table and chart, and raw records are kept per point. The MPS sweep is compared with its
 * baseline (recorded, confirmed in CI, regressed by a slower server, re-recorded with -u).
 */
type Dirs = Awaited<ReturnType<typeof dirs>>;
const sweepRun = async (
  sweep: 'mps' | 'scaling',
  d: Dirs,
  env: Record<string, string> = { CI: 'true' },
  args: string[] = [],
) => {
  const run = await vitest(
    { FX_OPTIONS: d.options(), FX_INCLUDE: 'server-sweep.test.ts', FX_SWEEP: sweep, ...env },
    args,
  );
  const results = resultsFileSchema.parse(
    JSON.parse(await readFile(join(d.results, 'results.json'), 'utf8')),
  );
  const summary = await readFile(join(d.results, 'summary.md'), 'utf8');
  return { run, results, summary, point: results.points.find((p) => p.serverSweep) };
};
const baselineFile = (d: Dirs) =>
  join(d.baselines, 'mps-experiment', 'least-mps-share-that-holds-the-slo.json');

describe('server sweeps in real Vitest runs (simulator)', () => {
  /** Where the MPS sweep recorded its baseline (the first test), for the baseline test. */
  let mps: Dirs | null = null;

  it("an MPS sweep finds the elbow, gives ratios to 100 %, keeps each point's evidence and records its baseline", async () => {
    const d = await dirs();
    const { run, point, summary } = await sweepRun('mps', d, {});
    expect(run.code, run.out).toBe(0);
    mps = d;
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

  it('a scaling sweep searches each GPU count, states the efficiency with its interval, and CI only confirms it', async () => {
    const d = await dirs();
    const { run, point, summary } = await sweepRun('scaling', d, {});
    expect(run.code, run.out).toBe(0);
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

    // In CI each point confirms its recorded bracket (confirm probes only, extended when undecided)
    // instead of searching again.
    const ci = await sweepRun('scaling', d);
    expect(ci.run.code, ci.run.out).toBe(0);
    for (const p of ci.point?.serverSweep?.points ?? []) {
      expect(p.capacity?.mode, p.label).toBe('confirm');
      expect(new Set(p.capacity?.probes.map((probe) => probe.phase)), p.label).toEqual(new Set(['confirm']));
    }
    expect(ci.point?.baseline?.status).toBe('matched');
  });

  it('the sweep baseline: matched in CI, a slower server regresses with the point named and the file kept, -u re-records', async () => {
    const d = mps as Dirs;
    expect(d, 'the first test records the baseline').not.toBeNull();
    const recorded = await readFile(join(d.results, 'summary.md'), 'utf8');
    expect(recorded).toContain('🆕 **Baseline:** recorded');
    const file = await readFile(baselineFile(d), 'utf8');
    const entry = JSON.parse(file).entries[0];
    expect(entry.samples).toBeUndefined();
    expect(entry.serverSweep.elbow).toBe(50);
    expect(entry.serverSweep.points.map((p: { x: number; slo: string }) => [p.x, p.slo])).toEqual([
      [10, 'fail'],
      [50, 'pass'],
      [100, 'pass'],
    ]);

    const ci = await sweepRun('mps', d);
    expect(ci.run.code, ci.run.out).toBe(0);
    expect(ci.point?.baseline?.status).toBe('matched');
    expect(ci.point?.baseline?.verdicts.map((v) => v.verdict)).toEqual(['ok', 'ok', 'ok']);

    // Every engine step 3x as long: 50 % of the SMs no longer holds the SLO at the fixed load.
    const slower = await sweepRun('mps', d, {
      CI: 'true',
      FX_SERVER_ARGS: JSON.stringify(['--fault-slowdown', '3']),
    });
    expect(slower.run.code, slower.run.out).toBe(1);
    expect(slower.run.out).toMatch(/server sweep regressed at 50 % \(mps experiment › least MPS share/);
    expect(slower.run.out).toMatch(
      /REGRESSED\s+50 %: it passed the SLO at the fixed load when recorded \(attainment [\d.]+ \[[\d.]+, [\d.]+\] vs 0.8\); now it fails: attainment [\d.]+ \[[\d.]+, [\d.]+\] vs 0.8/,
    );
    expect(slower.run.out).toMatch(
      /the elbow moved up, from 50 % to (100 %|none) \(the SLO needs more SMs now\)/,
    );
    expect(slower.point?.baseline?.status).toBe('regressed');
    expect(slower.summary).toContain('❌ **Baseline:** regressed (3 points compared): ❌ regressed at 50 %');
    expect(await readFile(baselineFile(d), 'utf8')).toBe(file);

    const updated = await sweepRun('mps', d, {}, ['-u']);
    expect(updated.run.code, updated.run.out).toBe(0);
    expect(updated.point?.baseline?.status).toBe('updated');
    expect(await readFile(baselineFile(d), 'utf8')).not.toBe(file);
  }, 400_000);
});
