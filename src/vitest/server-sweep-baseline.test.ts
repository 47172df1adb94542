import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../../test/helpers/files/temp-dirs.ts';
import type { BaselineEntry } from '../baseline/entry.ts';
import { BaselineError, parseBaselineText, writeEntry } from '../baseline/store.ts';
import type { CapacityResult, ObjectiveVerdict } from '../capacity/result.ts';
import { analyzeServerSweep, type ServerSweepResult } from '../capacity/server-sweep.ts';
import type { BenchmarkSummary } from '../metrics/summarize.ts';
import type { PointMeta } from './meta.ts';
import type { ServerSweepExperimentResult } from './server-sweep.ts';
import {
  judgeServerSweep,
  judgeSweepPoint,
  matchServerSweepBaseline,
  sweepAnswer,
} from './server-sweep-baseline.ts';

const dir = tempDirs('sweep-baseline');

/** Attainment judged against 0.8: the verdict follows from where the interval lies. */
const attainment = (lo: number, hi: number): ObjectiveVerdict => ({
  objective: 'attainment',
  target: 0.8,
  measured: (lo + hi) / 2,
  ci: [lo, hi],
  judgedAgainst: 0.8,
  verdict: lo >= 0.8 ? 'pass' : hi < 0.8 ? 'fail' : 'undecided',
});
const PASS = attainment(0.86, 1);
const FAIL = attainment(0.03, 0.6);
const UNDECIDED = attainment(0.48, 0.88);

const capacity = (max_passing: number | null, min_failing: number | null): CapacityResult => ({
  variable: 'request-rate',
  mode: 'search',
  slo: '80 % of requests within TTFT 150 ms',
  max_passing,
  min_failing,
  gap: null,
  stop_reason: 'precision',
  knee: null,
  probes: [],
});

interface PointSpec {
  x: number;
  o: ObjectiveVerdict;
  cap?: CapacityResult;
  invalid?: string;
}

/** A sweep as runServerSweep analyses it: each point's SLO verdict from its interval. */
function sweep(points: PointSpec[], slo = '80 % of requests within TTFT 150 ms'): ServerSweepResult {
  return analyzeServerSweep(
    points.map((p) => ({
      x: p.x,
      label: `${p.x} %`,
      gpus: 1,
      serverArgs: [],
      summary: {
        completed: 64,
        failed: 0,
        request_throughput: 7.8,
        output_throughput: 250,
        valid: p.invalid === undefined,
        invalid_reasons: p.invalid ? [p.invalid] : [],
      } as unknown as BenchmarkSummary,
      slo: p.invalid ? 'undecided' : p.o.verdict,
      objectives: [p.o],
      capacity: p.cap ?? null,
      rawFile: `raw/${p.x}.jsonl`,
    })),
    { kind: 'mps', xLabel: 'MPS active thread %', load: 'poisson 8 req/s', slo },
  );
}

const point = (s: ServerSweepResult, x: number) =>
  s.points.find((p) => p.x === x) as ServerSweepResult['points'][0];
const recorded = (specs: PointSpec[]) => sweepAnswer(sweep(specs));
const judge = (before: PointSpec, now: PointSpec) =>
  judgeSweepPoint(point(sweep([now]), now.x), recorded([before]).points[0] as never);

describe('judging a server sweep point against its recorded verdict', () => {
  it('regresses only when a point that passed now clearly fails, naming both verdicts and the interval', () => {
    const v = judge({ x: 50, o: PASS }, { x: 50, o: FAIL });
    expect(v.verdict).toBe('regressed');
    expect(v.metric).toBe('50 %: attainment');
    expect(v.note).toBe(
      '50 %: it passed the SLO at the fixed load when recorded (attainment 0.930 [0.860, 1.000] vs 0.8); now it fails: attainment 0.315 [0.030, 0.600] vs 0.8',
    );
  });

  it('improves when a point that failed now clearly passes', () => {
    const v = judge({ x: 10, o: FAIL }, { x: 10, o: PASS });
    expect(v.verdict).toBe('improved');
    expect(v.note).toMatch(/failed the SLO .* when recorded .*; now it passes: attainment 0.930/);
  });

  it('matches an unchanged verdict, pass or fail', () => {
    expect(judge({ x: 50, o: PASS }, { x: 50, o: PASS }).verdict).toBe('ok');
    expect(judge({ x: 10, o: FAIL }, { x: 10, o: FAIL }).verdict).toBe('ok');
  });

  it('an undecided point is never a regression, and says so', () => {
    const v = judge({ x: 50, o: PASS }, { x: 50, o: UNDECIDED });
    expect(v.verdict).toBe('insufficient-samples');
    expect(v.note).toMatch(/undecided now \(attainment 0.680 \[0.480, 0.880\] vs 0.8\).*never a regression/);
    // Recorded undecided: whatever it does now, there is nothing to compare.
    expect(judge({ x: 50, o: UNDECIDED }, { x: 50, o: FAIL }).verdict).toBe('ok');
    expect(judge({ x: 50, o: UNDECIDED }, { x: 50, o: PASS }).verdict).toBe('ok');
  });

  it('an invalid point is never a regression, even with a failing interval', () => {
    const v = judge({ x: 50, o: PASS }, { x: 50, o: FAIL, invalid: 'the simulator fell behind' });
    expect(v.verdict).toBe('insufficient-samples');
    expect(v.note).toMatch(/invalid now \(the simulator fell behind\): not judged, never a regression/);
  });

  it('capacity brackets: a load that held before and fails now regresses; one that failed and holds now improves', () => {
    const before = { x: 100, o: PASS, cap: capacity(10, 12) };
    const lower = judge(before, { x: 100, o: PASS, cap: capacity(8, 9.5) });
    expect(lower.verdict).toBe('regressed');
    expect(lower.metric).toBe('100 %: capacity');
    expect([lower.baseline, lower.current]).toEqual([10, 8]);
    expect(lower.note).toMatch(
      /capacity bracket \[10, 12\) when recorded, \[8, 9.5\) now: 9.5 req\/s now fails the SLO, and 10 req\/s passed when recorded/,
    );
    // min_failing equal to the recorded max_passing: that load held, and now it does not.
    expect(judge(before, { x: 100, o: PASS, cap: capacity(8, 10) }).verdict).toBe('regressed');
    expect(judge(before, { x: 100, o: PASS, cap: capacity(12, 14) }).verdict).toBe('improved');
    // Overlapping brackets: a noisy search moving within them is no change.
    expect(judge(before, { x: 100, o: PASS, cap: capacity(11, 12.5) }).verdict).toBe('ok');
    expect(judge(before, { x: 100, o: PASS, cap: capacity(9.5, 11) }).verdict).toBe('ok');
    // Open above: nothing failed, so nothing regressed.
    expect(judge(before, { x: 100, o: PASS, cap: capacity(10, null) }).verdict).toBe('ok');
    // A regression wins over an improvement elsewhere in the same point.
    expect(judge({ ...before, o: FAIL }, { x: 100, o: PASS, cap: capacity(8, 9) }).verdict).toBe('regressed');
  });
});

describe('judging a whole server sweep', () => {
  const base: PointSpec[] = [
    { x: 10, o: FAIL },
    { x: 50, o: PASS },
    { x: 100, o: PASS },
  ];

  it('reports the elbow moving up with the point that moved it', () => {
    const j = judgeServerSweep(
      sweep([
        { x: 10, o: FAIL },
        { x: 50, o: FAIL },
        { x: 100, o: PASS },
      ]),
      recorded(base),
    );
    expect(j.verdicts.map((v) => v.verdict)).toEqual(['ok', 'regressed', 'ok']);
    expect(j.elbow).toBe(
      'the elbow moved up, from 50 % to 100 % (the SLO needs more SMs now): 50 % fails the SLO now (attainment 0.315 [0.030, 0.600] vs 0.8), it passed when recorded',
    );
    const down = judgeServerSweep(sweep(base.map((p) => ({ ...p, o: PASS }))), recorded(base));
    expect(down.elbow).toBe('the elbow moved down, from 50 % to 10 % (the SLO holds on fewer SMs now)');
    expect(judgeServerSweep(sweep(base), recorded(base))).toEqual({
      verdicts: expect.any(Array),
      added: [],
      removed: [],
      elbow: null,
    });
  });

  it('points added or removed since the baseline are not judged but named', () => {
    const j = judgeServerSweep(
      sweep([
        { x: 25, o: FAIL },
        { x: 50, o: PASS },
        { x: 100, o: PASS },
      ]),
      recorded(base),
    );
    expect(j.verdicts.map((v) => v.metric)).toEqual(['50 %: attainment', '100 %: attainment']);
    expect(j.added).toEqual(['25 %']);
    expect(j.removed).toEqual(['10 %']);
  });
});

describe('the server sweep matcher and its update modes', () => {
  const key = {
    experiment: 'mps experiment',
    point: 'least MPS share',
    hardware: 'simulated:RTX-4090 x1',
    model: 'm',
    profile: 'mps sweep · poisson 8 req/s',
  };
  const underTest = { target: 'sim' as const, server: 'servebench-sim 0.1.0', serverArgs: [] };
  const experimentResult = (s: ServerSweepResult): ServerSweepExperimentResult => ({
    ...s,
    key,
    underTest,
    experiment: key.experiment,
    test: key.point,
  });
  const meta = () => ({ baseline: null, pendingBaseline: null }) as unknown as PointMeta;
  const env = { ...process.env };
  afterEach(() => {
    process.env = { ...env };
  });
  const inMode = async (mode: 'all' | 'new' | 'none') => {
    const d = await dir();
    process.env.SERVEBENCH_BASELINES_DIR = d;
    process.env.SERVEBENCH_UPDATE = mode;
    return d;
  };
  const base: PointSpec[] = [
    { x: 10, o: FAIL },
    { x: 50, o: PASS },
    { x: 100, o: PASS },
  ];

  it('records in new and all modes, fails in CI (none) when there is no baseline', async () => {
    await inMode('none');
    const m = meta();
    const missing = await matchServerSweepBaseline(experimentResult(sweep(base)), m);
    expect(missing.pass).toBe(false);
    expect(missing.message()).toMatch(/no server sweep baseline for mps experiment › least MPS share/);
    expect(m.baseline?.status).toBe('missing');

    for (const [mode, status] of [
      ['new', 'new'],
      ['all', 'updated'],
    ] as const) {
      await inMode(mode);
      const recording = meta();
      expect((await matchServerSweepBaseline(experimentResult(sweep(base)), recording)).pass).toBe(true);
      expect(recording.baseline?.status).toBe(status);
      expect(recording.pendingBaseline?.serverSweep?.points.map((p) => [p.x, p.slo])).toEqual([
        [10, 'fail'],
        [50, 'pass'],
        [100, 'pass'],
      ]);
    }
  });

  it('records only a valid sweep with an SLO', async () => {
    await inMode('new');
    const m = meta();
    const invalid = sweep([...base.slice(0, 2), { x: 100, o: PASS, invalid: 'requests failed' }]);
    const out = await matchServerSweepBaseline(experimentResult(invalid), m);
    expect(out.pass).toBe(false);
    expect(out.message()).toMatch(/recorded only when every point is valid.*\n {2}- 100 %: requests failed/);
    expect(m.pendingBaseline).toBeNull();
    const noSlo = { ...sweep(base), slo: null };
    expect((await matchServerSweepBaseline(experimentResult(noSlo), meta())).message()).toMatch(/has no slo/);
  });

  it('judges against the recorded file: a regression fails with the point named, the file kept', async () => {
    const d = await inMode('none');
    const entry: BaselineEntry = {
      key,
      underTest,
      recordedAt: '2026-12-08T00:00:00.000Z',
      summary: {},
      serverSweep: recorded(base),
    };
    const path = await writeEntry(d, entry);
    const before = await readFile(path, 'utf8');
    const m = meta();
    const slower = sweep([
      { x: 10, o: FAIL },
      { x: 50, o: FAIL },
      { x: 100, o: UNDECIDED },
    ]);
    const out = await matchServerSweepBaseline(experimentResult(slower), m);
    expect(out.pass).toBe(false);
    expect(out.message()).toMatch(/^server sweep regressed at 50 % \(mps experiment › least MPS share, /);
    expect(out.message()).toMatch(
      /REGRESSED\s+50 %: it passed the SLO .*; now it fails: attainment 0.315 \[0.030, 0.600\]/,
    );
    expect(out.message()).toMatch(/NOT JUDGED\s+100 %: undecided now/);
    expect(out.message()).toMatch(/the elbow moved up, from 50 % to none .*: 100 % is undecided now/);
    expect(m.baseline?.status).toBe('regressed');
    expect(m.baseline?.message).toMatch(/the elbow moved up/);
    expect(m.pendingBaseline).toBeNull();
    expect(await readFile(path, 'utf8')).toBe(before);

    const same = await matchServerSweepBaseline(experimentResult(sweep(base)), meta());
    expect(same.pass).toBe(true);
    expect(same.message()).toMatch(/^server sweep matches its baseline/);

    const moved = await matchServerSweepBaseline(
      experimentResult(sweep([...base, { x: 75, o: PASS }].filter((p) => p.x !== 10))),
      meta(),
    );
    expect(moved.pass).toBe(true);
    expect(moved.message()).toMatch(/not judged, added since the baseline: 75 %/);
    expect(moved.message()).toMatch(/not judged, in the baseline but not run: 10 %/);
    expect(moved.message()).toMatch(/re-record its baseline with `npx vitest run -u`/);

    // Judged under another SLO, the recorded verdicts say nothing: an error naming both, not a pass.
    const otherSlo = experimentResult(sweep(base, '90 % of requests within TTFT 100 ms'));
    await expect(matchServerSweepBaseline(otherSlo, meta())).rejects.toThrow(
      /recorded under the SLO '80 % of requests within TTFT 150 ms'; this sweep judges '90 % of requests within TTFT 100 ms'[\s\S]*hint: re-record/,
    );
  });
});

describe('a baseline entry holds exactly one kind', () => {
  const entry = {
    key: { experiment: 'e', point: 'p', hardware: 'simulated:H100 x1', model: 'm', profile: 'x' },
    underTest: { target: 'sim', server: 's', serverArgs: [] },
    recordedAt: '2026-12-08T00:00:00.000Z',
    summary: {},
  };
  const answer = recorded([{ x: 50, o: PASS }]);
  const file = (e: object) => JSON.stringify({ schemaVersion: 2, entries: [{ ...entry, ...e }] });
  const samples = {
    ttft: [50],
    tpot: [8],
    e2el: [900],
    outputTokensPerSecond: [100],
    outputBinMs: 50,
  };
  const capacityAnswer = {
    variable: 'request-rate',
    slo: 's',
    max_passing: 10,
    min_failing: 12,
    knee: null,
    stop_reason: 'precision',
  };

  it('reads a server sweep entry', () => {
    expect(parseBaselineText('b.json', file({ serverSweep: answer })).entries[0]?.serverSweep).toEqual(
      answer,
    );
  });

  it('names the field when an entry holds two kinds, or none', () => {
    expect(() => parseBaselineText('b.json', file({ samples, serverSweep: answer }))).toThrow(
      "entry 0 (e › p on simulated:H100 x1), field 'serverSweep': unexpected beside 'samples': an entry holds exactly one of samples (a load point), capacity (a capacity experiment), serverSweep (a server sweep)",
    );
    expect(() =>
      parseBaselineText('b.json', file({ capacity: capacityAnswer, serverSweep: answer })),
    ).toThrow(/field 'serverSweep': unexpected beside 'capacity'/);
    expect(() => parseBaselineText('b.json', file({}))).toThrow(
      /field 'samples': missing: an entry holds exactly one of samples .*; this one holds none/,
    );
    expect(() => parseBaselineText('b.json', file({ samples }))).not.toThrow();
    expect(() => parseBaselineText('b.json', file({ capacity: capacityAnswer }))).not.toThrow();
  });

  it('a server sweep entry without points, or with an x twice, cannot judge', () => {
    const err = (e: object) => {
      try {
        parseBaselineText('b.json', file(e));
      } catch (error) {
        expect(error).toBeInstanceOf(BaselineError);
        return (error as Error).message;
      }
      return 'no error';
    };
    expect(err({ serverSweep: { ...answer, points: [] } })).toMatch(/field 'serverSweep.points': no points/);
    expect(err({ serverSweep: { ...answer, points: [...answer.points, ...answer.points] } })).toMatch(
      /field 'serverSweep.points': x 50 appears twice/,
    );
  });
});
