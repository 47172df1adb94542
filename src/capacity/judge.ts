import { requestLatencies } from '../metrics/per-request.ts';
import type { RequestRecord } from '../metrics/record.ts';
import { percentile } from '../metrics/stats.ts';
import { percentileKey } from '../metrics/summarize.ts';
import { shareEffectiveSize } from './effective-size.ts';
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
  /**
   * Whether the probe would very likely still be undecided with `scale` times its requests: each
   * undecided objective's share lies within half the interval it would have then (narrowed by
   * sqrt(scale)) of its target. Lengthening such a probe is futile; the search is better served
   * by another load. (Half: a share only somewhat near the target still gets its chance.)
   */
  staysUndecided(scale: number): boolean;
}

/** An objective on its good side: the share that must reach `against`, with its interval. */
interface GoodShare {
  share: number;
  ci: [number, number];
  against: number;
  /** 0 < k < n: a share of 0 or 1 says nothing about where the boundary is. */
  informative: boolean;
}

/** Latency of one request on the SLO's basis; null for a failed request (beyond every limit). */
function latencyOf(record: RequestRecord, metric: Metric, basis: CapacitySlo['latency']): number | null {
  if (!record.ok) return null;
  const l = requestLatencies(record);
  if (metric === 'tpot') return l.tpot;
  if (metric === 'ttft') return basis === 'queued' ? l.queuedTtft : l.ttft;
  return basis === 'queued' ? l.queuedE2el : l.e2el;
}

/** An interval on a share of k in n whose effective sample size is nEff. */
type ShareInterval = (k: number, n: number, nEff: number, confidence: number) => [number, number];

/** Wilson takes the count and n scaled to the effective size as they are. */
const wilson: ShareInterval = (k, n, nEff, confidence) => wilsonInterval((k * nEff) / n, nEff, confidence);

/** Clopper-Pearson needs whole counts: the effective n and the count are rounded, keeping 0 and n exact. */
const clopperPearson: ShareInterval = (k, n, nEff, confidence) => {
  const whole = Math.max(1, Math.round(nEff));
  return clopperPearsonInterval(Math.round((k * whole) / n), whole, confidence);
};

/**
 * `interval` on a share of autocorrelated requests, with the effective sample size of the requests
 * in send order (effective-size.ts; `levels` is the latency the share is judged on, Infinity for
 * a failed request; `target` the share it must reach), so a window whose requests queued together
 * is not taken for that many independent ones.
 */
function shareInterval(
  interval: ShareInterval,
  flags: readonly boolean[],
  levels: readonly number[] | null,
  target: number,
  confidence: number,
): [number, number] {
  const n = flags.length;
  if (n === 0) return [0, 1];
  const k = flags.filter(Boolean).length;
  return interval(k, n, shareEffectiveSize(flags, levels, target), confidence);
}

const verdictOf = (ci: [number, number], against: number): ObjectiveVerdict['verdict'] =>
  ci[0] >= against ? 'pass' : ci[1] < against ? 'fail' : 'undecided';

/**
 * Judges one probe's steady-window records (in send order) against the SLO. Every objective
 * becomes a share of requests with a confidence interval on the effective sample size of the
 * requests (they queue together: effective-size.ts), judged pass or fail only when the interval
 * lies wholly on one side of its target (else undecided):
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
  const shares: GoodShare[] = [];
  const share = (k: number) => (n > 0 ? k / n : 0);
  const addShare = (k: number, ci: [number, number], against: number) =>
    shares.push({ share: share(k), ci, against, informative: n > 0 && k > 0 && k < n });

  const limits = Object.entries(slo.goodput ?? {}).filter((e): e is [Metric, number] => e[1] !== undefined);
  if (limits.length > 0) {
    // How much of its tightest limit each request used (> 1: not good); a failed request, Infinity.
    const usage = records.map((r) =>
      Math.max(
        ...limits.map(
          ([metric, limit]) => (latencyOf(r, metric, slo.latency) ?? Number.POSITIVE_INFINITY) / limit,
        ),
      ),
    );
    const flags = usage.map((u) => u <= 1);
    const good = flags.filter(Boolean).length;
    const ci = shareInterval(wilson, flags, usage, slo.attainment, confidence);
    objectives.push({
      objective: 'attainment',
      target: slo.attainment,
      measured: share(good),
      ci,
      judgedAgainst: slo.attainment,
      verdict: verdictOf(ci, slo.attainment),
    });
    addShare(good, ci, slo.attainment);
  }

  for (const [metric, stats] of Object.entries(slo.percentiles ?? {}) as Array<
    [Metric, object | undefined]
  >) {
    for (const [stat, limit] of Object.entries(stats ?? {}) as Array<[string, number | undefined]>) {
      if (limit === undefined) continue;
      const q = Number(stat.slice(1));
      const values = records.map((r) => latencyOf(r, metric, slo.latency));
      const flags = values.map((v) => v !== null && v <= limit);
      const within = flags.filter(Boolean).length;
      const okValues = values.filter((v): v is number => v !== null);
      const against = q / 100;
      const ci = shareInterval(
        clopperPearson,
        flags,
        values.map((v) => (v === null ? Number.POSITIVE_INFINITY : v / limit)),
        against,
        confidence,
      );
      const queued = slo.latency === 'queued' && metric !== 'tpot' ? 'queued_' : '';
      objectives.push({
        objective: `${percentileKey(q)}_${queued}${metric}_ms`,
        target: limit,
        measured: okValues.length > 0 ? percentile(okValues, q) : 0,
        ci,
        judgedAgainst: against,
        verdict: verdictOf(ci, against),
      });
      addShare(within, ci, against);
    }
  }

  if (slo.maxErrorRate !== undefined) {
    const limit = slo.maxErrorRate;
    const flags = records.map((r) => !r.ok);
    const failed = flags.filter(Boolean).length;
    const ci = shareInterval(wilson, flags, null, 1 - limit, confidence);
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
    addShare(n - failed, [1 - ci[1], 1 - ci[0]], 1 - limit);
  }

  const combine = (verdicts: ObjectiveVerdict['verdict'][]) =>
    verdicts.includes('fail') ? 'fail' : verdicts.every((v) => v === 'pass') ? 'pass' : 'undecided';
  const verdict = combine(objectives.map((o) => o.verdict));
  let binding: GoodShare | undefined;
  for (const g of shares) if (!binding || g.share - g.against < binding.share - binding.against) binding = g;
  return {
    objectives,
    verdict,
    margin: binding?.informative ? binding.share - binding.against : null,
    staysUndecided: (scale) => {
      if (verdict !== 'undecided' || n === 0) return false;
      const narrow = 2 * Math.sqrt(Math.max(1, scale));
      const projected = objectives.map((o, i) => {
        const g = shares[i] as GoodShare;
        if (o.verdict !== 'undecided') return o.verdict;
        const ci: [number, number] = [
          g.share - (g.share - g.ci[0]) / narrow,
          g.share + (g.ci[1] - g.share) / narrow,
        ];
        return verdictOf(ci, g.against);
      });
      return combine(projected) === 'undecided';
    },
  };
}
