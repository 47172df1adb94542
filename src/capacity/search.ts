import type { CapacityProbe, CapacityResult } from './result.ts';

/** A probe as the search sees it: its load and final verdict (after any lengthening). */
export interface SearchPoint {
  load: number;
  verdict: CapacityProbe['verdict'];
  /** The binding objective's share minus its target (judge.ts); null when it says nothing. */
  margin: number | null;
  /** Rate probes: the steady throughput the server completed (req/s); null when unknown. */
  served?: number | null;
}

/** How a search moves; set once from the search spec (find-capacity.ts, adaptive.ts). */
export interface SearchPolicy {
  variable: CapacityResult['variable'];
  /** The first load tried (0.5 T after a saturating probe, else `start`). */
  first: number;
  /** Highest load ever offered. */
  max: number;
  precision: number;
  maxProbes: number;
  /** Factor of each step up while nothing has failed (2 for a search, 1.5 for adaptive windows). */
  growth: number;
  /** Throughput T of the saturating probe: the first step up goes straight to 1.1 T. */
  saturation: number | null;
  /** Refine by safeguarded interpolation on the margin (else bisection; concurrency always bisects). */
  interpolate: boolean;
}

export type StopReason = CapacityResult['stop_reason'];
export type SearchStep =
  | { kind: 'probe'; load: number; phase: 'bracket' | 'refine' }
  | { kind: 'stop'; reason: StopReason };

export interface Bounds {
  max_passing: number | null;
  min_failing: number | null;
  gap: number | null;
}

/** A rate search never asks for less than the first load / 64, nor less than 0.01 req/s. */
const LOWEST_RATE = 0.01;
const LOWEST_SHARE_OF_FIRST = 1 / 64;

/**
 * The latest pass/fail verdict of every load (a later run at a load overrules an earlier one:
 * adaptive hold windows), and the loads tried without one (unresolved or invalid: never bounds).
 */
function classify(points: readonly SearchPoint[]) {
  const decided = new Map<number, SearchPoint>();
  for (const p of points) if (p.verdict === 'pass' || p.verdict === 'fail') decided.set(p.load, p);
  const unusable = [...new Set(points.filter((p) => !decided.has(p.load)).map((p) => p.load))];
  return { decided, unusable };
}

/**
 * The bracket: min_failing is the smallest failing load, max_passing the largest passing load
 * below it. Conservative on purpose: a pass above a fail (noise near the boundary) never raises
 * the answer past a load that failed.
 */
export function bounds(points: readonly SearchPoint[]): Bounds {
  const { decided } = classify(points);
  let minFailing: number | null = null;
  for (const p of decided.values()) {
    if (p.verdict === 'fail' && (minFailing === null || p.load < minFailing)) minFailing = p.load;
  }
  let maxPassing: number | null = null;
  for (const p of decided.values()) {
    if (p.verdict !== 'pass' || (minFailing !== null && p.load >= minFailing)) continue;
    if (maxPassing === null || p.load > maxPassing) maxPassing = p.load;
  }
  const gap = maxPassing !== null && minFailing !== null ? (minFailing - maxPassing) / maxPassing : null;
  return { max_passing: maxPassing, min_failing: minFailing, gap };
}

const roundTo4Digits = (x: number) => Number(x.toPrecision(4));

/** A load strictly inside (lo, hi): an integer for concurrency, 4 significant digits for a rate when that fits. */
function inside(policy: SearchPolicy, x: number, lo: number, hi: number): number | null {
  if (policy.variable === 'concurrency') {
    const k = Math.floor(x);
    const c = k > lo ? k : k + 1;
    return c > lo && c < hi ? c : null;
  }
  const rounded = roundTo4Digits(x);
  if (rounded > lo && rounded < hi) return rounded;
  return x > lo && x < hi ? x : null;
}

/** Whether [lo, hi] is as narrow as the search was asked for. */
function narrow(policy: SearchPolicy, lo: number, hi: number): boolean {
  return (hi - lo) / lo <= policy.precision || (policy.variable === 'concurrency' && hi - lo <= 1);
}

/** A server falls behind a rate it completes under 90 % of: it is overloaded, not just slower. */
const OVERLOADED = 0.9;

/**
 * The lowest throughput served at a failing rate the server fell behind. A rate the server cannot
 * complete makes its queue grow without end, so the boundary lies below the throughput it served
 * there, and a probe at that throughput most likely fails too: a far tighter upper bound than the
 * middle of the bracket (a saturating probe of 100 requests on 48 slots read 168 req/s for a server
 * that serves 102; its 1.1x probe served 109, and the next probe went there, not to 138).
 */
function servedCeiling(decided: Iterable<SearchPoint>): number | null {
  let ceiling: number | null = null;
  for (const p of decided) {
    const served = p.served ?? null;
    if (p.verdict !== 'fail' || served === null || !(served > 0) || served >= OVERLOADED * p.load) continue;
    if (ceiling === null || served < ceiling) ceiling = served;
  }
  return ceiling;
}

/**
 * The next load, by a safeguarded interpolation: regula falsi on the margins of the bracket's
 * ends (where the SLO's binding share crosses its target), clamped to the middle half of the
 * bracket so every step removes at least a quarter of it; bisection when a margin is missing
 * (a share of 0 or 1 says nothing about where the boundary lies) or interpolation is off.
 */
function refineLoad(policy: SearchPolicy, lo: SearchPoint, hi: SearchPoint): number {
  const mid = (lo.load + hi.load) / 2;
  if (!policy.interpolate || policy.variable === 'concurrency') return mid;
  const a = lo.margin;
  const b = hi.margin;
  if (a === null || b === null || !(a > 0 && b < 0)) return mid;
  const width = hi.load - lo.load;
  const x = lo.load + (width * a) / (a - b);
  return Math.min(hi.load - width / 4, Math.max(lo.load + width / 4, x));
}

/**
 * The search policy as a pure state machine: from the probes so far (and the number of load
 * runs spent), the next load to probe or the reason to stop.
 *
 * - Bracket: from `first`, step up by `growth` (the first step to 1.1 T after a saturating
 *   probe) while nothing fails, or halve while nothing passes.
 * - Refine inside [max_passing, min_failing] (`refineLoad`) until the gap is within `precision`
 *   (for concurrency also when they are neighbours).
 * - Unresolved and invalid probes are never bounds; the search routes around them: it does not
 *   probe their loads again, steps past them when bracketing, and inside the bracket bisects one
 *   of the gaps they leave between max_passing and min_failing: first a gap from a load whose
 *   share leans pass to one whose share leans fail (where the boundary most likely is), then the
 *   widest. When every gap is already narrow, nothing more can be learnt at this probe length:
 *   stop 'unresolved'.
 * - Stop 'max-load' when `max` passed, 'min-load' when the lowest allowed load fails,
 *   'max-probes' when the runs are spent.
 */
export function nextStep(policy: SearchPolicy, points: readonly SearchPoint[], runs: number): SearchStep {
  const { decided, unusable } = classify(points);
  const { max_passing: mp, min_failing: mf } = bounds(points);
  if (mp !== null && mf !== null && narrow(policy, mp, mf)) return { kind: 'stop', reason: 'precision' };
  if (runs >= policy.maxProbes) return { kind: 'stop', reason: 'max-probes' };
  // Two loads in a row that could not be trusted even when retried: the server or this host fails
  // every run (errors, a client or simulator behind), and lower loads only take longer to say so.
  const lastTwo = [...new Set(points.map((p) => p.load).reverse())].slice(0, 2);
  if (
    lastTwo.length === 2 &&
    lastTwo.every((load) => points.filter((p) => p.load === load).every((p) => p.verdict === 'invalid'))
  )
    return { kind: 'stop', reason: 'invalid' };
  const tried = points.map((p) => p.load);
  const isConcurrency = policy.variable === 'concurrency';
  const fresh = (x: number) => !tried.includes(x);

  if (points.length === 0) {
    const first = Math.min(policy.first, policy.max);
    return { kind: 'probe', load: isConcurrency ? Math.max(1, Math.round(first)) : first, phase: 'bracket' };
  }

  if (mf === null && mp !== null) {
    // Nothing failed: step up from the highest load tried.
    if (mp >= policy.max) return { kind: 'stop', reason: 'max-load' };
    const top = Math.max(...tried.filter((x) => x >= mp));
    let up = top * policy.growth;
    if (policy.saturation !== null) up = Math.max(up, 1.1 * policy.saturation);
    up = Math.min(policy.max, isConcurrency ? Math.ceil(up) : roundTo4Digits(up));
    if (up <= top || !fresh(up)) return { kind: 'stop', reason: 'unresolved' };
    return { kind: 'probe', load: up, phase: 'bracket' };
  }

  if (mp === null) {
    // Nothing passed: halve below the lowest load tried.
    const bottom = Math.min(...tried);
    const lowestFailed = mf !== null && mf <= bottom;
    const down = isConcurrency ? Math.floor(bottom / 2) : roundTo4Digits(bottom / 2);
    const floor = isConcurrency ? 1 : Math.max(LOWEST_RATE, policy.first * LOWEST_SHARE_OF_FIRST);
    if (down < floor || !fresh(down))
      return { kind: 'stop', reason: lowestFailed ? 'min-load' : 'unresolved' };
    return { kind: 'probe', load: down, phase: 'bracket' };
  }

  // Both ends: refine, around any unusable loads inside the bracket.
  const lo = decided.get(mp) as SearchPoint;
  const hi = decided.get(mf as number) as SearchPoint;
  const blocked = unusable.filter((x) => x > mp && x < (mf as number));
  // First, where an overloaded failing rate says the boundary lies below.
  // Not within a tenth of the bracket of either end: there it would teach next to nothing.
  const ceiling = policy.interpolate && !isConcurrency ? servedCeiling(decided.values()) : null;
  const tenth = (hi.load - mp) / 10;
  if (ceiling !== null && ceiling > mp + tenth && ceiling < hi.load - tenth) {
    const x = inside(policy, ceiling, mp, hi.load);
    if (x !== null && fresh(x)) return { kind: 'probe', load: x, phase: 'refine' };
  }
  if (blocked.length === 0) {
    const x = inside(policy, refineLoad(policy, lo, hi), mp, hi.load);
    return x === null ? { kind: 'stop', reason: 'precision' } : { kind: 'probe', load: x, phase: 'refine' };
  }
  // Gaps between neighbouring loads in the bracket. An unresolved probe's share still leans one
  // way (its margin's sign), so the boundary most likely lies in a gap from a load leaning pass
  // to one leaning fail; then gaps with a load that leans nowhere (invalid, or a share of 0 or 1);
  // then the rest. The widest gap of the first kind that is not yet narrow is bisected.
  const loads = [mp, ...blocked.sort((a, b) => a - b), hi.load];
  const lean = (load: number) =>
    load === mp ? 1 : load === hi.load ? -1 : Math.sign(points.findLast((p) => p.load === load)?.margin ?? 0);
  const gaps = loads.slice(1).map((b, i) => {
    const a = loads[i] as number;
    const [l, r] = [lean(a), lean(b)];
    return { a, b, rank: l > 0 && r < 0 ? 0 : l === 0 || r === 0 ? 1 : 2, width: (b - a) / a };
  });
  const next = gaps
    .filter((g) => !narrow(policy, g.a, g.b))
    .sort((g, h) => g.rank - h.rank || h.width - g.width)
    .map((g) => inside(policy, (g.a + g.b) / 2, g.a, g.b))
    .find((x): x is number => x !== null && fresh(x));
  return next === undefined
    ? { kind: 'stop', reason: 'unresolved' }
    : { kind: 'probe', load: next, phase: 'refine' };
}
