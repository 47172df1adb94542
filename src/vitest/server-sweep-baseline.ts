import type { BaselineEntry, ServerSweepAnswer } from '../baseline/entry.ts';
import { BaselineError, describeEntryKey, type Lookup, lookupEntry, withHint } from '../baseline/store.ts';
import type { ObjectiveVerdict } from '../capacity/result.ts';
import type { ElbowRule, ServerSweepPoint, ServerSweepResult } from '../capacity/server-sweep.ts';
import type { Verdict } from '../report/schema.ts';
import { baselineFileOf, baselinesDir, baselineUpdateMode, settleBaseline } from './baseline-run.ts';
import type { PointMeta } from './meta.ts';
import type { ServerSweepExperimentResult } from './server-sweep.ts';

export const isServerSweepResult = (r: unknown): r is ServerSweepExperimentResult =>
  typeof r === 'object' &&
  r !== null &&
  'points' in r &&
  'elbow' in r &&
  'reference' in r &&
  'underTest' in r &&
  'key' in r;

type RecordedPoint = ServerSweepAnswer['points'][number];

const RERECORD = 'npx vitest run -u';

/** "attainment 0.912 [0.881, 0.936] vs 0.8; p99_ttft_ms 180.4 [0.97, 1.00] vs 0.99". */
export const formatObjectives = (objectives: readonly ObjectiveVerdict[]) =>
  objectives.length === 0
    ? 'no objective judged'
    : objectives
        .map((o) => {
          const measured = o.measured > 1 ? o.measured.toFixed(1) : o.measured.toFixed(3);
          return `${o.objective} ${measured} [${o.ci[0].toFixed(3)}, ${o.ci[1].toFixed(3)}] vs ${o.judgedAgainst}`;
        })
        .join('; ');

/** "[13.6, 14.2] req/s", "[13.6, open)", "none passed (fails at 2.1)". */
function bracket(c: { max_passing: number | null; min_failing: number | null } | null): string {
  if (!c) return 'not searched';
  const n = (v: number) => String(Number(v.toPrecision(4)));
  if (c.max_passing === null)
    return c.min_failing === null ? 'no answer' : `none passed (${n(c.min_failing)} failed)`;
  return `[${n(c.max_passing)}, ${c.min_failing === null ? 'open' : n(c.min_failing)})`;
}

/** What a server sweep records: each point's SLO verdict (and capacity bracket), the elbow. */
export function sweepAnswer(result: ServerSweepResult): ServerSweepAnswer {
  return {
    kind: result.kind,
    slo: result.slo ?? '',
    load: result.load,
    elbow: result.elbow,
    points: result.points.map((p) => ({
      x: p.x,
      label: p.label,
      slo: p.slo ?? 'undecided',
      objectives: p.objectives,
      capacity: p.capacity
        ? { max_passing: p.capacity.max_passing, min_failing: p.capacity.min_failing }
        : null,
    })),
  };
}

/** The points a run and its baseline do not share: never judged, always reported. */
export interface SweepJudgement {
  /** One verdict per point both hold, in x order; `metric` names the point. */
  verdicts: Verdict[];
  /** Labels of points this run has and the baseline does not. */
  added: string[];
  /** Labels of points the baseline has and this run did not run. */
  removed: string[];
  /** How the elbow moved (up: the SLO now needs more; the point that caused it named), or null. */
  elbow: string | null;
}

const rank: Record<Verdict['verdict'], number> = {
  regressed: 3,
  improved: 2,
  'insufficient-samples': 1,
  ok: 0,
};

/**
 * One point against its recorded verdict. Only decided intervals count: a point regresses when it
 * passed the SLO at the fixed load when recorded and now fails it (every interval wholly on the
 * bad side, i.e. verdict `fail`), or when its capacity search now fails at or below the load that
 * passed when recorded. It improves the other way round. An undecided or invalid point is never a
 * regression: its note says so.
 */
export function judgeSweepPoint(now: ServerSweepPoint, before: RecordedPoint): Verdict {
  const row = (
    verdict: Verdict['verdict'],
    note: string,
    metric: string,
    values: { baseline: number; current: number; direction: Verdict['direction'] },
  ): Verdict => ({
    metric: `${now.label}: ${metric}`,
    direction: values.direction,
    baseline: values.baseline,
    current: values.current,
    change: values.baseline !== 0 ? (values.current - values.baseline) / values.baseline : 0,
    ci: null,
    tolerance: 0,
    verdict,
    note: `${now.label}: ${note}`,
  });
  // The objective the verdict turns on: the first one not passing now (else the first).
  const binding = now.objectives.find((o) => o.verdict !== 'pass') ?? now.objectives[0];
  const recordedBinding = before.objectives.find((o) => o.objective === binding?.objective);
  const sloValues = {
    baseline: recordedBinding?.measured ?? 0,
    current: binding?.measured ?? 0,
    direction:
      binding?.objective === 'attainment' ? ('higher-is-better' as const) : ('lower-is-better' as const),
  };
  const sloMetric = binding?.objective ?? 'slo';
  const was = `${before.slo === 'pass' ? 'passed' : before.slo === 'fail' ? 'failed' : 'was undecided on'} the SLO at the fixed load when recorded (${formatObjectives(before.objectives)})`;
  if (!now.valid) {
    return row(
      'insufficient-samples',
      `invalid now (${now.invalidReasons.join('; ')}): not judged, never a regression; it ${was}`,
      sloMetric,
      sloValues,
    );
  }

  const parts: Array<{ verdict: Verdict['verdict']; note: string; capacity: boolean }> = [];
  const current = formatObjectives(now.objectives);
  if (now.slo === 'undecided' || now.slo === null) {
    parts.push({
      verdict: before.slo === 'undecided' ? 'ok' : 'insufficient-samples',
      note: `undecided now (${current}): an interval straddles the target, which is never a regression; it ${was}`,
      capacity: false,
    });
  } else if (before.slo === 'undecided') {
    parts.push({
      verdict: 'ok',
      note: `${now.slo === 'pass' ? 'passes' : 'fails'} now (${current}); it was undecided when recorded, so there is nothing to compare`,
      capacity: false,
    });
  } else if (before.slo === 'pass' && now.slo === 'fail') {
    parts.push({ verdict: 'regressed', note: `it ${was}; now it fails: ${current}`, capacity: false });
  } else if (before.slo === 'fail' && now.slo === 'pass') {
    parts.push({ verdict: 'improved', note: `it ${was}; now it passes: ${current}`, capacity: false });
  } else {
    parts.push({
      verdict: 'ok',
      note: `${now.slo === 'pass' ? 'passes' : 'fails'} the SLO as when recorded (${current})`,
      capacity: false,
    });
  }

  const cap = now.capacity;
  const rec = before.capacity;
  if (cap && rec) {
    const unit = cap.variable === 'request-rate' ? 'req/s' : 'concurrent requests';
    const brackets = `capacity bracket ${bracket(rec)} when recorded, ${bracket(cap)} now`;
    if (rec.max_passing !== null && cap.min_failing !== null && cap.min_failing <= rec.max_passing) {
      parts.push({
        verdict: 'regressed',
        note: `${brackets}: ${cap.min_failing} ${unit} now fails the SLO, and ${rec.max_passing} ${unit} passed when recorded`,
        capacity: true,
      });
    } else if (rec.min_failing !== null && cap.max_passing !== null && cap.max_passing >= rec.min_failing) {
      parts.push({
        verdict: 'improved',
        note: `${brackets}: ${cap.max_passing} ${unit} now passes; ${rec.min_failing} ${unit} failed when recorded`,
        capacity: true,
      });
    } else {
      parts.push({ verdict: 'ok', note: `${brackets}: they overlap`, capacity: true });
    }
  } else if (cap || rec) {
    parts.push({
      verdict: 'ok',
      note: `capacity not compared: searched ${cap ? 'only now' : 'only when recorded'}`,
      capacity: false,
    });
  }
  const worst = parts.reduce((a, b) => (rank[b.verdict] > rank[a.verdict] ? b : a));
  const note = parts.map((p) => p.note).join('; ');
  if (worst.capacity && cap && rec) {
    return row(worst.verdict, note, 'capacity', {
      baseline: rec.max_passing ?? 0,
      current: cap.max_passing ?? 0,
      direction: 'higher-is-better',
    });
  }
  return row(worst.verdict, note, sloMetric, sloValues);
}

/** The point that holds the elbow where it is: the first one from the easy end that is not a clear pass now. */
function elbowCause(points: readonly ServerSweepPoint[], rule: ElbowRule): ServerSweepPoint | undefined {
  return [...points]
    .sort((a, b) => (rule === 'least' ? b.x - a.x : a.x - b.x))
    .find((p) => !p.valid || p.slo !== 'pass');
}

/** A sweep against its recorded answer: one verdict per shared point, the points not shared, the elbow's move. */
export function judgeServerSweep(result: ServerSweepResult, recorded: ServerSweepAnswer): SweepJudgement {
  const before = new Map(recorded.points.map((p) => [p.x, p]));
  const xs = new Set(result.points.map((p) => p.x));
  const verdicts = result.points.flatMap((p) => {
    const b = before.get(p.x);
    return b ? [judgeSweepPoint(p, b)] : [];
  });
  const added = result.points.filter((p) => !before.has(p.x)).map((p) => p.label);
  const removed = recorded.points.filter((p) => !xs.has(p.x)).map((p) => p.label);
  let elbow: string | null = null;
  const e0 = recorded.elbow;
  const e1 = result.elbow;
  if (result.kind !== 'scaling' && e0 !== e1) {
    const label = (x: number | null) =>
      x === null
        ? 'none'
        : (result.points.find((p) => p.x === x)?.label ?? before.get(x)?.label ?? String(x));
    // Worse: the elbow moved away from the easy end (up for `least`, down for `greatest`), or is gone.
    const rule = result.elbowRule ?? 'least';
    const worse = e0 !== null && (e1 === null || (rule === 'least' ? e1 > e0 : e1 < e0));
    // "none" lies beyond the hard end: up for `least`, down for `greatest`.
    const hardEnd = rule === 'least' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    const moved = (e1 ?? hardEnd) > (e0 ?? hardEnd) ? 'up' : 'down';
    if (worse) {
      const cause = elbowCause(result.points, rule);
      const why = !cause
        ? ''
        : `: ${cause.label} ${!cause.valid ? 'is invalid' : cause.slo === 'fail' ? 'fails the SLO' : 'is undecided'} now (${formatObjectives(cause.objectives)})${before.get(cause.x) ? `, it ${before.get(cause.x)?.slo === 'pass' ? 'passed' : before.get(cause.x)?.slo === 'fail' ? 'failed' : 'was undecided'} when recorded` : ''}`;
      elbow = `the elbow moved ${moved}, from ${label(e0)} to ${label(e1)}${result.kind === 'mps' ? ' (the SLO needs more SMs now)' : ''}${why}`;
    } else {
      elbow = `the elbow moved ${moved}, from ${label(e0)} to ${label(e1)}${result.kind === 'mps' ? ' (the SLO holds on fewer SMs now)' : ''}`;
    }
  }
  return { verdicts, added, removed, elbow };
}

const marks: Record<Verdict['verdict'], string> = {
  ok: 'ok',
  improved: 'IMPROVED',
  regressed: 'REGRESSED',
  'insufficient-samples': 'NOT JUDGED',
};

/** The judgement as the matcher's message lists it: one line per point, then the elbow and the points not shared. */
export function formatSweepJudgement(j: SweepJudgement): string {
  const lines = j.verdicts.map((v) => `  ${marks[v.verdict].padEnd(10)}  ${v.note ?? v.metric}`);
  if (j.elbow) lines.push(`  ${j.elbow}`);
  if (j.added.length > 0) lines.push(`  not judged, added since the baseline: ${j.added.join(', ')}`);
  if (j.removed.length > 0) lines.push(`  not judged, in the baseline but not run: ${j.removed.join(', ')}`);
  if (j.added.length > 0 || j.removed.length > 0)
    lines.push(`  hint: the sweep's points changed; re-record its baseline with \`${RERECORD}\``);
  return lines.join('\n');
}

/**
 * Judges a server sweep against its recorded answer (see judgeSweepPoint). Update modes as for
 * the other kinds: `all` (-u) re-records, `new` records a missing baseline, `none` (CI) fails on
 * a missing one. A sweep is recorded only when every point is valid and an SLO judged them.
 */
export async function matchServerSweepBaseline(
  result: ServerSweepExperimentResult,
  meta: PointMeta | undefined,
): Promise<{ pass: boolean; message: () => string }> {
  const mode = baselineUpdateMode();
  const path = baselineFileOf(result.key);
  const where = `${result.experiment} › ${result.test}`;
  const settle = settleBaseline(meta);
  const fail = (status: 'missing' | 'skipped', message: string) => {
    settle({ status, verdicts: [], baselineUnderTest: null, message }, null);
    return { pass: false, message: () => message };
  };
  const invalid = result.points.filter((p) => !p.valid);
  const reasons = invalid.flatMap((p) => p.invalidReasons.map((r) => `  - ${p.label}: ${r}`)).join('\n');
  if (invalid.length === result.points.length) {
    return fail('skipped', `every point of ${where} was invalid, so there is nothing to trust:\n${reasons}`);
  }
  if (result.slo === null) {
    return fail(
      'skipped',
      `${where} has no slo: a server sweep's baseline is each point's SLO verdict (and capacity), so give the sweep an slo`,
    );
  }
  let lookup: Lookup;
  try {
    lookup = await lookupEntry(path, result.key, mode);
  } catch (error) {
    if (!(error instanceof BaselineError)) throw error;
    settle({ status: 'unusable', verdicts: [], baselineUnderTest: null, message: error.message }, null);
    throw withHint(error);
  }
  const unusable = (message: string): BaselineError => {
    const error = new BaselineError(
      message,
      're-record it with `npx vitest run -u` (which replaces the entry), or restore the file from git',
    );
    settle(
      {
        status: 'unusable',
        verdicts: [],
        baselineUnderTest: lookup.entry?.underTest ?? null,
        message: error.message,
      },
      null,
    );
    return withHint(error);
  };
  const entryName = lookup.entry
    ? `entry ${(lookup as { index: number }).index} (${describeEntryKey(lookup.entry.key)})`
    : '';
  const recorded = lookup.entry?.serverSweep;
  if (lookup.entry && !recorded && mode !== 'all') {
    throw unusable(
      `baseline file ${path}: ${entryName} holds ${lookup.entry.samples ? 'load samples' : 'a capacity answer'}, not the server sweep this test compares with`,
    );
  }

  if (mode === 'all' || !recorded) {
    if (mode === 'none' && !recorded) {
      return fail(
        'missing',
        `no server sweep baseline for ${where} on ${result.key.hardware} in ${path}\nrecord one with: ${RERECORD} (and commit ${baselinesDir()})`,
      );
    }
    if (invalid.length > 0) {
      return fail(
        'skipped',
        `${where}: a server sweep is recorded only when every point is valid; not recorded:\n${reasons}`,
      );
    }
    const candidate: BaselineEntry = {
      key: result.key,
      underTest: result.underTest,
      recordedAt: new Date().toISOString(),
      summary: {},
      serverSweep: sweepAnswer(result),
    };
    const status = mode === 'all' ? 'updated' : 'new';
    settle({ status, verdicts: [], baselineUnderTest: lookup.entry?.underTest ?? null }, candidate);
    return {
      pass: true,
      message: () => `server sweep baseline ${status === 'new' ? 'recorded' : 're-recorded (-u)'}`,
    };
  }

  if (recorded.slo !== result.slo) {
    throw unusable(
      `baseline file ${path}: ${entryName} was recorded under the SLO '${recorded.slo}'; this sweep judges '${result.slo}', so its verdicts do not compare`,
    );
  }
  const judgement = judgeServerSweep(result, recorded);
  const regressed = judgement.verdicts.filter((v) => v.verdict === 'regressed');
  const extra = [
    judgement.elbow,
    judgement.added.length + judgement.removed.length > 0
      ? `points changed since the baseline (not judged: ${[...judgement.added.map((l) => `${l} added`), ...judgement.removed.map((l) => `${l} removed`)].join(', ')}); re-record with -u`
      : null,
  ].filter((l): l is string => l !== null);
  settle(
    {
      status: regressed.length > 0 ? 'regressed' : 'matched',
      verdicts: judgement.verdicts,
      baselineUnderTest: lookup.entry?.underTest ?? null,
      ...(extra.length > 0 ? { message: extra.join('; ') } : {}),
    },
    null,
  );
  const head =
    regressed.length > 0
      ? `server sweep regressed at ${regressed.map((v) => v.metric.split(': ')[0]).join(', ')}`
      : 'server sweep matches its baseline';
  return {
    pass: regressed.length === 0,
    message: () => `${head} (${where}, ${path}):\n${formatSweepJudgement(judgement)}`,
  };
}
