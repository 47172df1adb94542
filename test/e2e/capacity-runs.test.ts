import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultsFileSchema } from '../../src/report/schema.ts';
import { dirs, vitest } from './helpers/fixture-project.ts';

/**
 * Real Vitest runs of a capacity suite (test/e2e/fixture/capacity.test.ts) on the simulator:
 * the search, the recorded answer, the confirmation a pull request runs, and the report.
 */
const run = (d: Awaited<ReturnType<typeof dirs>>, env: Record<string, string> = {}, args: string[] = []) =>
  vitest({ FX_OPTIONS: d.options(), FX_INCLUDE: 'capacity.test.ts', ...env }, args);

const slower = { FX_SERVER_ARGS: JSON.stringify(['--fault-slowdown', '3']) };
const baselineFile = (d: Awaited<ReturnType<typeof dirs>>) =>
  join(d.baselines, 'capacity-experiment', 'max-request-rate-under-the-slo.json');

interface Results {
  points: Array<{
    capacity: {
      mode: string;
      max_passing: number | null;
      min_failing: number | null;
      stop_reason: string;
      probes: Array<{ load: number; phase: string; verdict: string; invalidReasons: string[] }>;
    };
    baseline: { status: string; verdicts: Array<{ verdict: string; note?: string }> } | null;
  }>;
}
const results = async (d: Awaited<ReturnType<typeof dirs>>): Promise<Results> =>
  JSON.parse(await readFile(join(d.results, 'results.json'), 'utf8'));

describe('capacity experiments in real Vitest runs (simulator)', () => {
  it('records the answer, confirms it in CI with a probe or two instead of a search, and -u searches again', async () => {
    const d = await dirs();
    const first = await run(d);
    expect(first.code, first.out).toBe(0);
    const recorded = JSON.parse(await readFile(baselineFile(d), 'utf8'));
    const answer = recorded.entries[0].capacity;
    expect(answer.variable).toBe('request-rate');
    expect(answer.max_passing).toBeGreaterThan(0);
    expect(recorded.entries[0].samples).toBeUndefined();
    const searched = (await results(d)).points[0]?.capacity;
    expect(searched?.mode).toBe('search');
    expect(searched?.probes[0]?.phase).toBe('saturate');
    // Every probe keeps what the server's /metrics and the host said; the answer is diagnosed.
    const point = resultsFileSchema.parse(JSON.parse(await readFile(join(d.results, 'results.json'), 'utf8')))
      .points[0];
    for (const probe of point?.capacity?.probes ?? []) {
      expect(probe.serverMetrics?.available, `probe ${probe.index}`).toBe(true);
      expect(probe.hostCpu, `probe ${probe.index}`).toBeDefined();
    }
    expect(point?.diagnosis?.findings.length).toBeGreaterThan(0);
    const summary = await readFile(join(d.results, 'summary.md'), 'utf8');
    expect(summary).toMatch(
      /\*\*Max request rate under SLO \(90 % of requests within TTFT 100 ms\): [\d.]+ req\/s\*\*/,
    );
    const charts = await readdir(join(d.results, 'charts'));
    expect(charts).toEqual([
      'capacity-experiment-capacity-throughput.svg',
      'capacity-experiment-capacity.svg',
    ]);

    const ci = await run(d, { CI: 'true' });
    expect(ci.code, ci.out).toBe(0);
    const confirmed = (await results(d)).points[0];
    expect(confirmed?.capacity.mode).toBe('confirm');
    expect(confirmed?.capacity.probes.every((p) => p.phase === 'confirm')).toBe(true);
    expect(confirmed?.baseline?.status).toBe('matched');
    expect(await readFile(join(d.results, 'summary.md'), 'utf8')).toMatch(
      /\*\*(✅ SLO holds|⚠️ Undecided) at [\d.]+ req\/s\*\*, the recorded capacity/,
    );

    const updated = await run(d, {}, ['-u']);
    expect(updated.code, updated.out).toBe(0);
    expect((await results(d)).points[0]?.capacity.mode).toBe('search');
    expect((await results(d)).points[0]?.baseline?.status).toBe('updated');
  });

  it('a slower server fails the confirmation and keeps the baseline; a faster one is reported improved', async () => {
    const d = await dirs();
    expect((await run(d)).code).toBe(0);
    const before = await readFile(baselineFile(d), 'utf8');
    const regressed = await run(d, { CI: 'true', ...slower });
    expect(regressed.code).toBe(1);
    expect(regressed.out).toMatch(/capacity regressed .*the SLO no longer holds at the recorded capacity/);
    expect((await results(d)).points[0]?.baseline?.status).toBe('regressed');
    expect(await readFile(baselineFile(d), 'utf8')).toBe(before);

    const slow = await dirs();
    expect((await run(slow, slower)).code).toBe(0);
    const faster = await run(slow, { CI: 'true' });
    expect(faster.code, faster.out).toBe(0);
    const point = (await results(slow)).points[0];
    expect(point?.baseline?.verdicts[0]?.verdict).toBe('improved');
    expect(point?.baseline?.verdicts[0]?.note).toMatch(/re-record with -u/);
  });

  it('invalid probes never bound the answer: a server failing half its requests gives no answer to trust', async () => {
    const d = await dirs();
    const out = await run(d, { FX_SERVER_ARGS: JSON.stringify(['--fault-error-rate', '0.5']) });
    expect(out.code).toBe(1);
    expect(out.out).toMatch(
      /every probe of capacity experiment › max request rate under the SLO was invalid/,
    );
    expect(out.out).toMatch(/requests failed/);
    const point = (await results(d)).points[0];
    expect(point?.capacity.probes.every((p) => p.verdict === 'invalid')).toBe(true);
    expect(point?.capacity.max_passing).toBeNull();
    await expect(readdir(d.baselines)).rejects.toThrow();
  });

  it('a probe whose interval straddles the target is extended, then reported unresolved, never a bound', async () => {
    const d = await dirs();
    // 10 % of requests fail at every load and 90 % must be good: the attainment sits on the target.
    const out = await run(d, {
      FX_SERVER_ARGS: JSON.stringify(['--fault-error-rate', '0.1']),
      FX_CAPACITY_PROFILE: JSON.stringify({ maxFailureRate: 0.5 }),
      FX_CAPACITY_SEARCH: JSON.stringify({ maxProbes: 5 }),
    });
    const capacity = (await results(d)).points[0]?.capacity;
    const unresolved = capacity?.probes.filter((p) => p.verdict === 'unresolved') ?? [];
    expect(unresolved.length, out.out).toBeGreaterThan(0);
    expect(await readFile(join(d.results, 'summary.md'), 'utf8')).toMatch(/⚠️ unresolved/);
    // However the search ended, a bound is a load that passed or failed, never one left unresolved.
    const decided = (load: number | null | undefined, verdict: string) =>
      load === null || capacity?.probes.some((p) => p.load === load && p.verdict === verdict);
    expect(decided(capacity?.max_passing, 'pass')).toBe(true);
    expect(decided(capacity?.min_failing, 'fail')).toBe(true);
  });
});
