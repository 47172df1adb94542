import { describe, expect, it } from 'vitest';
import { bounds, nextStep, type SearchPoint, type SearchPolicy } from './search.ts';

const ratePolicy = (over: Partial<SearchPolicy> = {}): SearchPolicy => ({
  variable: 'request-rate',
  first: 50,
  max: 1024,
  precision: 0.05,
  maxProbes: 12,
  growth: 2,
  saturation: 100,
  interpolate: true,
  ...over,
});

/** A server whose SLO holds up to `capacity`; loads within `fuzz` of it stay undecided. */
function oracle(capacity: number, fuzz = 0) {
  return (load: number): SearchPoint => {
    const margin = Math.max(-0.9, Math.min(0.05, (0.3 * (capacity - load)) / capacity));
    if (fuzz > 0 && Math.abs(load - capacity) <= fuzz * capacity)
      return { load, verdict: 'unresolved', margin: null };
    return { load, verdict: load <= capacity ? 'pass' : 'fail', margin };
  };
}

/** Runs the policy to its end against an oracle, one run per probe. */
function drive(policy: SearchPolicy, judge: (load: number) => SearchPoint) {
  const points: SearchPoint[] = [];
  for (let i = 0; i < 100; i++) {
    const step = nextStep(policy, points, points.length);
    if (step.kind === 'stop') return { reason: step.reason, points, ...bounds(points) };
    expect(points.some((p) => p.load === step.load)).toBe(false);
    points.push(judge(step.load));
  }
  throw new Error('the search did not stop');
}

describe('bounds', () => {
  it('is conservative: a pass above a fail never raises max_passing', () => {
    const b = bounds([
      { load: 10, verdict: 'pass', margin: null },
      { load: 20, verdict: 'fail', margin: null },
      { load: 30, verdict: 'pass', margin: null },
      { load: 15, verdict: 'unresolved', margin: null },
    ]);
    expect(b).toEqual({ max_passing: 10, min_failing: 20, gap: 1 });
  });

  it('lets a later verdict at the same load overrule an earlier one', () => {
    const b = bounds([
      { load: 10, verdict: 'pass', margin: null },
      { load: 8, verdict: 'pass', margin: null },
      { load: 10, verdict: 'fail', margin: null },
      { load: 10, verdict: 'unresolved', margin: null },
    ]);
    expect(b).toEqual({ max_passing: 8, min_failing: 10, gap: 0.25 });
  });
});

describe('the served ceiling', () => {
  it('probes next at the throughput an overloaded failing rate served, then refines below it', () => {
    // The saturating probe overestimated the server (T = 171); at 1.1 T it served 102 req/s.
    const policy = ratePolicy({ first: 85.5, saturation: 171 });
    const points: SearchPoint[] = [{ load: 85.5, verdict: 'pass', margin: 0.1, served: 85 }];
    expect(nextStep(policy, points, 2)).toEqual({ kind: 'probe', load: 188.1, phase: 'bracket' });
    points.push({ load: 188.1, verdict: 'fail', margin: -0.9, served: 102 });
    expect(nextStep(policy, points, 3)).toEqual({ kind: 'probe', load: 102, phase: 'refine' });
    // 102 fell behind too (served 91.7): its ceiling is next. A ceiling a hair below the failing
    // end (the estimate is rough) teaches nothing and is skipped.
    expect(
      nextStep(policy, [...points, { load: 102, verdict: 'fail', margin: -0.6, served: 91.7 }], 4),
    ).toEqual({ kind: 'probe', load: 91.7, phase: 'refine' });
    expect(
      nextStep(
        policy,
        [
          ...points.slice(0, 1),
          { load: 188.1, verdict: 'fail', margin: -0.9, served: 101.96 },
          { load: 102, verdict: 'fail', margin: -0.6, served: 95 },
        ],
        4,
      ),
    ).not.toMatchObject({ load: 101.96 });
    // It kept up with 102 (served 100 > 0.9 x 102): no lower ceiling, interpolation resumes inside.
    points.push({ load: 102, verdict: 'fail', margin: -0.4, served: 100 });
    const next = nextStep(policy, points, 4);
    expect(next).toMatchObject({ kind: 'probe', phase: 'refine' });
    expect((next as { load: number }).load).toBeGreaterThan(85.5);
    expect((next as { load: number }).load).toBeLessThan(102);
  });

  it('goes to the ceiling before bisecting around an unresolved load', () => {
    const points: SearchPoint[] = [
      { load: 85.8, verdict: 'unresolved', margin: 0.07, served: 85 },
      { load: 42.9, verdict: 'pass', margin: 0.1, served: 43 },
      { load: 188.9, verdict: 'fail', margin: -0.9, served: 102.3 },
    ];
    expect(nextStep(ratePolicy({ saturation: 171.7 }), points, 4)).toEqual({
      kind: 'probe',
      load: 102.3,
      phase: 'refine',
    });
  });

  it('ignores a served throughput that kept up, one outside the bracket, and any for concurrency', () => {
    const kept = [
      { load: 50, verdict: 'pass', margin: 0.05, served: 50 },
      { load: 100, verdict: 'fail', margin: -0.05, served: 95 },
    ] satisfies SearchPoint[];
    expect(nextStep(ratePolicy(), kept, 3)).toMatchObject({ load: 75 });
    const belowPass = [
      { load: 50, verdict: 'pass', margin: 0.05, served: 50 },
      { load: 100, verdict: 'fail', margin: -0.05, served: 40 },
    ] satisfies SearchPoint[];
    expect(nextStep(ratePolicy(), belowPass, 3)).toMatchObject({ load: 75 });
    const users = [
      { load: 4, verdict: 'pass', margin: 0.05, served: 40 },
      { load: 16, verdict: 'fail', margin: -0.5, served: 5 },
    ] satisfies SearchPoint[];
    expect(nextStep(ratePolicy({ variable: 'concurrency', saturation: null }), users, 3)).toMatchObject({
      load: 10,
    });
  });
});

describe('nextStep, request rate', () => {
  it('starts at 0.5 T, steps to 1.1 T, and refines to the precision', () => {
    const run = drive(ratePolicy(), oracle(73));
    expect(run.points.slice(0, 2).map((p) => p.load)).toEqual([50, 110]);
    expect(run.reason).toBe('precision');
    expect(run.max_passing).toBeLessThanOrEqual(73);
    expect(run.min_failing).toBeGreaterThan(73);
    expect(run.gap).toBeLessThanOrEqual(0.05);
    expect(run.points.length).toBeLessThanOrEqual(8);
  });

  it('interpolates on the margins, clamped to the middle half of the bracket', () => {
    const points: SearchPoint[] = [
      { load: 50, verdict: 'pass', margin: 0.01 },
      { load: 110, verdict: 'fail', margin: -0.5 },
    ];
    // Regula falsi lands at 50.2; the clamp moves it to a quarter of the bracket.
    expect(nextStep(ratePolicy(), points, 3)).toEqual({ kind: 'probe', load: 65, phase: 'refine' });
    points[0] = { load: 50, verdict: 'pass', margin: 0.3 };
    points[1] = { load: 110, verdict: 'fail', margin: -0.3 };
    expect(nextStep(ratePolicy(), points, 3)).toEqual({ kind: 'probe', load: 80, phase: 'refine' });
    // A saturated margin (null) or interpolation off: bisection.
    points[0] = { load: 50, verdict: 'pass', margin: null };
    expect(nextStep(ratePolicy(), points, 3)).toEqual({ kind: 'probe', load: 80, phase: 'refine' });
  });

  it('doubles past 1.1 T while passing and stops at max', () => {
    const run = drive(ratePolicy({ max: 300 }), oracle(1000));
    expect(run.points.map((p) => p.load)).toEqual([50, 110, 220, 300]);
    expect(run.reason).toBe('max-load');
    expect(run.max_passing).toBe(300);
  });

  it('halves while failing and stops at the lowest load', () => {
    const run = drive(ratePolicy(), oracle(0.1));
    expect(run.points.map((p) => p.load)).toEqual([50, 25, 12.5, 6.25, 3.125, 1.563, 0.7815]);
    expect(run.reason).toBe('min-load');
    expect(run.max_passing).toBeNull();
  });

  it('stops at maxProbes', () => {
    const run = drive(ratePolicy({ maxProbes: 3, precision: 0.001 }), oracle(73));
    expect(run.points).toHaveLength(3);
    expect(run.reason).toBe('max-probes');
  });

  it('routes around undecided loads, never using them as bounds', () => {
    const run = drive(ratePolicy(), oracle(73, 0.06));
    expect(['unresolved', 'precision']).toContain(run.reason);
    const unresolved = run.points.filter((p) => p.verdict === 'unresolved').map((p) => p.load);
    expect(unresolved.length).toBeGreaterThan(0);
    expect(run.max_passing).toBeLessThan(73 * 0.94);
    expect(run.min_failing).toBeGreaterThan(73 * 1.06);
    // The bracket is as narrow as the undecided zone allows (it is 12 % wide here).
    expect(run.gap).toBeLessThan(0.12 + 2 * 0.05 + 0.02);
  });

  it('bisects the side an unresolved probe leans to', () => {
    const points: SearchPoint[] = [
      { load: 50, verdict: 'pass', margin: 0.05 },
      { load: 110, verdict: 'fail', margin: -0.5 },
      { load: 80, verdict: 'unresolved', margin: -0.02 },
    ];
    expect(nextStep(ratePolicy(), points, 3)).toEqual({ kind: 'probe', load: 65, phase: 'refine' });
    points[2] = { load: 80, verdict: 'unresolved', margin: 0.02 };
    expect(nextStep(ratePolicy(), points, 3)).toEqual({ kind: 'probe', load: 95, phase: 'refine' });
  });

  it('goes down past an undecided first probe', () => {
    const points: SearchPoint[] = [{ load: 50, verdict: 'invalid', margin: null }];
    expect(nextStep(ratePolicy(), points, 2)).toEqual({ kind: 'probe', load: 25, phase: 'bracket' });
    points.push({ load: 25, verdict: 'pass', margin: null });
    expect(nextStep(ratePolicy(), points, 3)).toEqual({ kind: 'probe', load: 110, phase: 'bracket' });
  });
});

describe('nextStep, concurrency', () => {
  const policy = ratePolicy({ variable: 'concurrency', first: 1, saturation: null, interpolate: false });

  it('doubles from 1 and bisects integers until the ends are neighbours', () => {
    const run = drive({ ...policy, maxProbes: 20 }, oracle(37));
    expect(run.points.slice(0, 7).map((p) => p.load)).toEqual([1, 2, 4, 8, 16, 32, 64]);
    expect(run.points.every((p) => Number.isInteger(p.load))).toBe(true);
    expect(run.reason).toBe('precision');
    expect(run.max_passing).toBeLessThanOrEqual(37);
    expect(run.min_failing).toBeGreaterThan(37);
  });

  it('stops at neighbours even when the precision asks for more', () => {
    const run = drive({ ...policy, precision: 0.001, maxProbes: 50 }, oracle(5));
    expect(run).toMatchObject({ reason: 'precision', max_passing: 5, min_failing: 6 });
  });

  it('reports min-load when one user already fails', () => {
    const run = drive(policy, oracle(0.5));
    expect(run).toMatchObject({ reason: 'min-load', max_passing: null, min_failing: 1 });
  });
});

describe('a server whose every run is invalid', () => {
  it('stops after two loads in a row were invalid (retried), instead of halving towards hour-long probes', () => {
    const invalid = (load: number): SearchPoint => ({ load, verdict: 'invalid', margin: null });
    const end = drive(ratePolicy({ first: 1, saturation: null }), invalid);
    expect(end.reason).toBe('invalid');
    expect(end.points.map((p) => p.load)).toEqual([1, 0.5]);
    expect([end.max_passing, end.min_failing]).toEqual([null, null]);
    // An invalid load between decided ones is routed around, not a reason to stop.
    const step = nextStep(
      ratePolicy(),
      [
        { load: 50, verdict: 'pass', margin: 0.05 },
        { load: 110, verdict: 'fail', margin: -0.5 },
        { load: 80, verdict: 'invalid', margin: null },
      ],
      3,
    );
    expect(step.kind).toBe('probe');
  });
});
