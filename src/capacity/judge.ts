import { requestLatencies } from '../metrics/per-request.ts';
import type { RequestRecord } from '../metrics/record.ts';
import { percentile } from '../metrics/stats.ts';
import { percentileKey } from '../metrics/summarize.ts';
import { clopperPearsonInterval, wilsonInterval } from './intervals.ts';
import type { ObjectiveVerdict } from './result.ts';
import type { CapacitySlo } from './spec.ts';

type Metric = 'ttft' | 'tpot' | 'e2el';

/** One probe's verdict on the whole SLO, with what the search interpolates on. */
export interface ProbeJudgement {
  objectives: ObjectiveVerdict[];
  /** pass when every objective passes, fail when any fails, else undecided. */
  verdict: 'pass' | 'fail' | 'undecided';
  /**
   * How far the binding objective's share lies on the good side of its target (negative: bad
   * side), e.g. attainment 0.97 against 0.95 gives 0.02. Null when no request was judged or the
   * share is 0 or 1: then it says nothing about where the boundary is.
   */
  margin: number | null;
}

/** Latency of one request on the SLO's basis; null for a failed request (beyond every limit). */
function latencyOf(record: RequestRecord, metric: Metric, basis: CapacitySlo['latency']): number | null {
  if (!record.ok) return null;
  const l = requestLatencies(record);
  if (metric === 'tpot') return l.tpot;
  if (metric === 'ttft') return basis === 'queued' ? l.queuedTtft : l.ttft;
  return basis === 'queued' ? l.queuedE2el : l.e2el;
}

const verdictOf = (ci: [number, number], against: number): ObjectiveVerdict['verdict'] =>
  ci[0] >= against ? 'pass' : ci[1] < against ? 'fail' : 'undecided';

/**
 * Judges one probe's steady-window records against the SLO. Every objective becomes a share of
 * requests with a confidence interval, judged pass or fail only when the interval lies wholly on
 * one side of its target (else undecided):
 * - attainment: share of requests that succeeded and met every goodput limit (Wilson);
 * - pNN(metric) <= L: share of requests with metric <= L against NN/100 (exact Clopper-Pearson;
 *   failed requests count as beyond). `measured` is the pNN of the successful requests, as vLLM
 *   reports it; the verdict rests on the share, which counts the failures;
 * - maxErrorRate: share of failed requests (Wilson). A limit of 0 is a hard rule: any failure fails.
 */
export function judgeProbe(
  records: readonly RequestRecord[],
  slo: CapacitySlo,
  confidence: number,
): ProbeJudgement {
  const n = records.length;
  const objectives: ObjectiveVerdict[] = [];
  const margins: Array<{ margin: number; informative: boolean }> = [];
  const share = (k: number) => (n > 0 ? k / n : 0);
  const addShare = (k: number, against: number) =>
    margins.push({ margin: share(k) - against, informative: n > 0 && k > 0 && k < n });

  const limits = Object.entries(slo.goodput ?? {}).filter((e): e is [Metric, number] => e[1] !== undefined);
  if (limits.length > 0) {
    const good = records.filter((r) =>
      limits.every(([metric, limit]) => {
        const v = latencyOf(r, metric, slo.latency);
        return v !== null && v <= limit;
      }),
    ).length;
    const ci: [number, number] = n > 0 ? wilsonInterval(good, n, confidence) : [0, 1];
    objectives.push({
      objective: 'attainment',
      target: slo.attainment,
      measured: share(good),
      ci,
      judgedAgainst: slo.attainment,
      verdict: verdictOf(ci, slo.attainment),
    });
    addShare(good, slo.attainment);
  }

  for (const [metric, stats] of Object.entries(slo.percentiles ?? {}) as Array<
    [Metric, object | undefined]
  >) {
    for (const [stat, limit] of Object.entries(stats ?? {}) as Array<[string, number | undefined]>) {
      if (limit === undefined) continue;
      const q = Number(stat.slice(1));
      const values = records.map((r) => latencyOf(r, metric, slo.latency));
      const within = values.filter((v) => v !== null && v <= limit).length;
      const okValues = values.filter((v): v is number => v !== null);
      const ci: [number, number] = n > 0 ? clopperPearsonInterval(within, n, confidence) : [0, 1];
      const against = q / 100;
      const queued = slo.latency === 'queued' && metric !== 'tpot' ? 'queued_' : '';
      objectives.push({
        objective: `${percentileKey(q)}_${queued}${metric}_ms`,
        target: limit,
        measured: okValues.length > 0 ? percentile(okValues, q) : 0,
        ci,
        judgedAgainst: against,
        verdict: verdictOf(ci, against),
      });
      addShare(within, against);
    }
  }

  if (slo.maxErrorRate !== undefined) {
    const limit = slo.maxErrorRate;
    const failed = records.filter((r) => !r.ok).length;
    const ci: [number, number] = n > 0 ? wilsonInterval(failed, n, confidence) : [0, 1];
    const verdict: ObjectiveVerdict['verdict'] =
      n === 0
        ? 'undecided'
        : limit === 0
          ? failed === 0
            ? 'pass'
            : 'fail'
          : ci[1] <= limit
            ? 'pass'
            : ci[0] > limit
              ? 'fail'
              : 'undecided';
    objectives.push({
      objective: 'error_rate',
      target: limit,
      measured: share(failed),
      ci,
      judgedAgainst: limit,
      verdict,
    });
    // The good share is the successes, judged against 1 - limit.
    addShare(n - failed, 1 - limit);
  }

  const verdicts = objectives.map((o) => o.verdict);
  const verdict = verdicts.includes('fail')
    ? 'fail'
    : verdicts.every((v) => v === 'pass')
      ? 'pass'
      : 'undecided';
  let binding: { margin: number; informative: boolean } | undefined;
  for (const m of margins) if (!binding || m.margin < binding.margin) binding = m;
  return { objectives, verdict, margin: binding?.informative ? binding.margin : null };
}
