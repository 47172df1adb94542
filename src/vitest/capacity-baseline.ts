import type { BaselineEntry, CapacityAnswer } from '../baseline/entry.ts';
import { BaselineError, type Lookup, lookupEntry, withHint } from '../baseline/store.ts';
import type { CapacityProbe, CapacityResult } from '../capacity/result.ts';
import type { Verdict } from '../report/schema.ts';
import { baselineFileOf, baselinesDir, baselineUpdateMode, settleBaseline } from './baseline-run.ts';
import type { CapacityExperimentResult } from './capacity.ts';
import { underTestOf } from './experiment-context.ts';
import type { PointMeta } from './meta.ts';

export const isCapacityResult = (r: unknown): r is CapacityExperimentResult =>
  typeof r === 'object' && r !== null && 'probes' in r && 'max_passing' in r && 'key' in r;

const unitOf = (r: CapacityAnswer) => (r.variable === 'request-rate' ? 'req/s' : 'concurrent requests');

/** The judged objectives of a probe in one line: "attainment 0.912 [0.881, 0.936] vs 0.95". */
const objectivesOf = (p: CapacityProbe | undefined) =>
  (p?.objectives ?? [])
    .map(
      (o) =>
        `${o.objective} ${o.measured.toFixed(3)} [${o.ci[0].toFixed(3)}, ${o.ci[1].toFixed(3)}] vs ${o.judgedAgainst}`,
    )
    .join('; ');

/**
 * Judges a capacity experiment against its recorded answer. A confirmation (the default in a
 * pull request) regresses only when the SLO fails, with its interval wholly on the bad side, at the
 * recorded max_passing; an undecided confirmation is not a regression. A fresh search regresses
 * when a load that passed before now fails (the new bracket lies below the old one).
 */
export async function matchCapacityBaseline(
  result: CapacityExperimentResult,
  meta: PointMeta | undefined,
): Promise<{ pass: boolean; message: () => string }> {
  const mode = baselineUpdateMode();
  const path = baselineFileOf(result.key);
  const where = `${result.experiment} › ${result.test}`;
  const settle = settleBaseline(meta);
  if (!meta?.valid) {
    const reasons = [...new Set(result.probes.flatMap((p) => p.invalidReasons))];
    return {
      pass: false,
      message: () =>
        `every probe of ${where} was invalid, so there is no answer to trust:\n${reasons.map((r) => `  - ${r}`).join('\n')}`,
    };
  }
  const answer: CapacityAnswer = {
    variable: result.variable,
    slo: result.slo,
    max_passing: result.max_passing,
    min_failing: result.min_failing,
    knee: result.knee,
    stop_reason: result.stop_reason,
  };
  const candidate: BaselineEntry = {
    key: result.key,
    underTest: underTestOf(result.server),
    recordedAt: new Date().toISOString(),
    summary: {},
    capacity: answer,
  };
  let lookup: Lookup;
  try {
    lookup = await lookupEntry(path, result.key, mode);
  } catch (error) {
    if (!(error instanceof BaselineError)) throw error;
    settle({ status: 'unusable', verdicts: [], baselineUnderTest: null, message: error.message }, null);
    throw withHint(error);
  }
  const recorded = lookup.entry?.capacity;

  if (mode === 'all' || !recorded) {
    if (mode === 'none' && !recorded) {
      const message = `no capacity baseline for ${where} on ${result.key.hardware} in ${path}\nrecord one with: npx vitest run -u (and commit ${baselinesDir()})`;
      settle({ status: 'missing', verdicts: [], baselineUnderTest: null, message }, null);
      return { pass: false, message: () => message };
    }
    if (result.max_passing === null) {
      const message = `no load met the SLO in ${where} (${result.stop_reason}): nothing to record`;
      settle({ status: 'skipped', verdicts: [], baselineUnderTest: null, message }, null);
      return { pass: false, message: () => message };
    }
    const status = mode === 'all' ? 'updated' : 'new';
    settle({ status, verdicts: [], baselineUnderTest: lookup.entry?.underTest ?? null }, candidate);
    return {
      pass: true,
      message: () => `capacity baseline ${status === 'new' ? 'recorded' : 're-recorded (-u)'}`,
    };
  }

  const verdict = judgeAnswer(result, recorded);
  const regressed = verdict.verdict === 'regressed';
  settle(
    {
      status: regressed ? 'regressed' : 'matched',
      verdicts: [verdict],
      baselineUnderTest: lookup.entry?.underTest ?? null,
    },
    null,
  );
  return {
    pass: !regressed,
    message: () =>
      `${regressed ? 'capacity regressed' : 'capacity holds'} (${where}, ${path}): ${verdict.note}`,
  };
}

/** The recorded answer against this run's, as one verdict row of the report. */
export function judgeAnswer(result: CapacityResult, recorded: CapacityAnswer): Verdict {
  const unit = unitOf(recorded);
  const base = recorded.max_passing ?? 0;
  const row = (current: number, verdict: Verdict['verdict'], note: string): Verdict => ({
    metric: `capacity_${recorded.variable.replace('-', '_')}`,
    direction: 'higher-is-better',
    baseline: base,
    current,
    change: base > 0 ? (current - base) / base : 0,
    ci: null,
    tolerance: 0,
    verdict,
    note,
  });
  if (result.mode === 'confirm') {
    // The verdict at a load is its last run's: a pilot or an extension may precede it.
    const lastAt = (load: number | null) =>
      result.probes.filter((p) => p.phase === 'confirm' && p.load === load).at(-1);
    const atMax = lastAt(base);
    const atMin = lastAt(recorded.min_failing);
    if (result.stop_reason === 'not-confirmed') {
      return row(
        result.min_failing ?? base,
        'regressed',
        `the SLO no longer holds at the recorded capacity ${base} ${unit}: ${objectivesOf(atMax)}`,
      );
    }
    if (result.stop_reason === 'unresolved') {
      return row(
        base,
        'insufficient-samples',
        `the confirmation at ${base} ${unit} stayed undecided at its length cap (${objectivesOf(atMax)}): neither a pass nor a regression`,
      );
    }
    const improved = recorded.min_failing !== null && result.max_passing === recorded.min_failing;
    return row(
      result.max_passing ?? base,
      improved ? 'improved' : 'ok',
      improved
        ? `the SLO also holds at ${recorded.min_failing} ${unit}, which failed when the baseline was recorded (${objectivesOf(atMin)}): re-record with -u`
        : `the SLO holds at the recorded capacity ${base} ${unit} (${objectivesOf(atMax)})`,
    );
  }
  // A fresh search (gate: 'search'): compare brackets.
  const now = result.max_passing ?? 0;
  if (result.min_failing !== null && result.min_failing <= base) {
    return row(
      now,
      'regressed',
      `${result.min_failing} ${unit} now fails the SLO, and ${base} ${unit} passed when the baseline was recorded`,
    );
  }
  if (recorded.min_failing !== null && now >= recorded.min_failing) {
    return row(now, 'improved', `${now} ${unit} now passes; it failed when the baseline was recorded`);
  }
  return row(now, 'ok', `the answer ${now} ${unit} overlaps the recorded bracket`);
}
