import { createRng, type Rng } from '../core/rng.ts';
import { mean, percentileOfSorted } from '../metrics/stats.ts';
import type { Verdict } from '../report/schema.ts';
import { blockLength, circularBlockResample } from './block-bootstrap.ts';
import type { BaselineSamples } from './entry.ts';
import {
  DEFAULT_MIN_SAMPLES,
  type GateMetric,
  gateMetrics,
  type SampleSet,
  samplesNeeded,
} from './gate-metrics.ts';
import { notJudgedNote } from './plan.ts';
import { studentTQuantile } from './student-t.ts';
import { episodeStandardError, TAIL_PERMILLE } from './tail-noise.ts';

export { type GateMetric, gateMetrics } from './gate-metrics.ts';

export interface CompareOptions {
  /** Relative change allowed before a metric can regress, per metric name, with a default. */
  tolerance: { default: number } & Record<string, number>;
  /** Below this many samples on either side a metric is not judged. */
  minSamples: number;
  /** Block-bootstrap resamples per side. */
  resamples: number;
  /** Two-sided confidence of each change's interval. */
  confidence: number;
}

export const defaultCompareOptions: CompareOptions = {
  // Half the smallest regression the gate must catch (10%): a change of exactly the tolerance
  // would pass half the time, so a 10% tolerance caught a 10% slower server in only ~half the runs.
  tolerance: { default: 0.05 },
  minSamples: DEFAULT_MIN_SAMPLES,
  resamples: 1000,
  confidence: 0.95,
};

const statistic = (metric: GateMetric, sortedValues: Float64Array): number =>
  metric.permille === null ? mean(sortedValues) : percentileOfSorted(sortedValues, metric.permille / 10);

/** Noise of one side: the standard error of log(statistic) per metric, and its blocks. */
interface SideNoise {
  se: Map<string, number>;
  blocks: number;
}

/**
 * Standard errors of log(statistic) for `metrics` over one run's time-ordered `values`, from a
 * circular block bootstrap (see block-bootstrap.ts for why blocks).
 */
function sideNoise(
  values: readonly number[],
  metrics: readonly GateMetric[],
  resamples: number,
  rng: Rng,
): SideNoise {
  const length = blockLength(values);
  const draw = new Float64Array(values.length);
  const logs = metrics.map(() => new Float64Array(resamples));
  for (let i = 0; i < resamples; i++) {
    circularBlockResample(values, draw, length, rng);
    draw.sort();
    metrics.forEach((m, j) => {
      (logs[j] as Float64Array)[i] = Math.log(Math.max(statistic(m, draw), Number.MIN_VALUE));
    });
  }
  const se = new Map<string, number>();
  metrics.forEach((m, j) => {
    const x = logs[j] as Float64Array;
    const mu = mean(x);
    let ss = 0;
    for (const v of x) ss += (v - mu) ** 2;
    se.set(m.name, Math.sqrt(ss / (resamples - 1)));
  });
  // A tail is a few queue episodes: never trust the blocks to know more than the episodes say.
  const ordered = Float64Array.from(values).sort();
  for (const m of metrics) {
    if (m.permille === null || m.permille < TAIL_PERMILLE) continue;
    const floor = episodeStandardError(values, ordered, m.permille, length);
    se.set(m.name, Math.max(se.get(m.name) as number, floor));
  }
  return { se, blocks: Math.floor(values.length / length) };
}

/**
 * Compares a run with its baseline, metric by metric. A metric regresses only when its change is
 * worse than the tolerance AND its confidence interval excludes zero: one number against one number
 * is noise, not a gate.
 *
 * The interval is Welch-type on log(current / baseline): each side's standard error comes from a
 * circular block bootstrap of that run's time-ordered samples, and Student's t takes the degrees of
 * freedom of the two sides' block counts (Welch-Satterthwaite). Blocks, because requests of one run
 * are correlated (queueing), and an i.i.d. bootstrap of them false-alarmed in 7 of 20 same-server
 * runs with different seeds; t, because a run of a few blocks knows its own noise only roughly.
 * A tail quantile's standard error is at least its episode floor (tail-noise.ts).
 */
export function compareSamples(
  baseline: BaselineSamples,
  current: BaselineSamples,
  options: CompareOptions = defaultCompareOptions,
): Verdict[] {
  const rng = createRng(20_251_125);
  const verdicts = new Map<string, Verdict>();
  const sets = [...new Set(gateMetrics.map((m) => m.samples))] as SampleSet[];
  for (const set of sets) {
    const base = baseline[set];
    const cur = current[set];
    const sortedBase = Float64Array.from(base).sort();
    const sortedCur = Float64Array.from(cur).sort();
    const judged: GateMetric[] = [];
    for (const metric of gateMetrics.filter((m) => m.samples === set)) {
      const b = statistic(metric, sortedBase);
      const c = statistic(metric, sortedCur);
      const verdict: Verdict = {
        metric: metric.name,
        direction: metric.direction,
        baseline: b,
        current: c,
        change: b === 0 ? 0 : (c - b) / b,
        ci: null,
        tolerance: options.tolerance[metric.name] ?? options.tolerance.default,
        verdict: 'insufficient-samples',
      };
      verdicts.set(metric.name, verdict);
      const needed = samplesNeeded(metric, options.minSamples);
      if (base.length < needed || cur.length < needed) {
        verdict.note = notJudgedNote(metric, needed, { baseline: base.length, current: cur.length });
      } else if (!(b > 0 && c > 0)) {
        verdict.note = `not judged: ${metric.name} is 0 in ${b > 0 ? 'this run' : 'the baseline'}, so it has no relative change`;
      } else judged.push(metric);
    }
    if (judged.length === 0) continue;
    const noiseB = sideNoise(base, judged, options.resamples, rng);
    const noiseC = sideNoise(cur, judged, options.resamples, rng);
    for (const metric of judged) {
      const v = verdicts.get(metric.name) as Verdict;
      v.confidence = options.confidence;
      v.ci = interval(
        Math.log(v.current / v.baseline),
        noiseB.se.get(metric.name) as number,
        noiseC.se.get(metric.name) as number,
        noiseB.blocks,
        noiseC.blocks,
        options.confidence,
      );
      // Express "worse" as a positive number whichever way the metric points.
      const worse = (metric.direction === 'lower-is-better' ? 1 : -1) * v.change;
      const significant = v.ci[0] > 0 || v.ci[1] < 0;
      v.verdict =
        significant && worse > v.tolerance
          ? 'regressed'
          : significant && -worse > v.tolerance
            ? 'improved'
            : 'ok';
    }
  }
  return gateMetrics.map((m) => verdicts.get(m.name) as Verdict);
}

/** A metric this run can judge and the baseline cannot, and the baseline field at fault. */
export interface BaselineGap {
  metric: string;
  field: SampleSet;
  reason: string;
}

/**
 * Latency metrics the baseline cannot judge although this run could: the baseline has a statistic
 * of 0, or fewer than the metric needs and less than half this run's samples (a run bounded by time
 * may land a few requests either side of a threshold; that is not a broken baseline). Such a
 * baseline would let any run pass, so the gate raises it instead of calling the point matched.
 * Output throughput is left out: its bins depend on the run's timing, and version-1 baselines
 * have none (the verdict says to re-record).
 */
export function baselineGaps(
  baseline: BaselineSamples,
  current: BaselineSamples,
  options: Pick<CompareOptions, 'minSamples'> = defaultCompareOptions,
): BaselineGap[] {
  const gaps: BaselineGap[] = [];
  for (const metric of gateMetrics) {
    if (metric.samples === 'outputTokensPerSecond') continue;
    const base = baseline[metric.samples];
    const cur = current[metric.samples];
    const needed = samplesNeeded(metric, options.minSamples);
    if (cur.length < needed) continue;
    const c = statistic(metric, Float64Array.from(cur).sort());
    if (!(c > 0)) continue;
    if (base.length < needed && base.length < cur.length / 2) {
      gaps.push({
        metric: metric.name,
        field: metric.samples,
        reason: `${base.length} samples, where this run has ${cur.length} and ${metric.name} needs >= ${needed}`,
      });
    } else if (base.length >= needed && !(statistic(metric, Float64Array.from(base).sort()) > 0)) {
      gaps.push({
        metric: metric.name,
        field: metric.samples,
        reason: `${metric.name} is 0 in the baseline`,
      });
    }
  }
  return gaps;
}

/** Welch-type interval of a log ratio, returned as relative changes. */
function interval(
  logRatio: number,
  seB: number,
  seC: number,
  blocksB: number,
  blocksC: number,
  confidence: number,
): [number, number] {
  const variance = seB * seB + seC * seC;
  if (variance === 0) return [Math.expm1(logRatio), Math.expm1(logRatio)];
  // Welch-Satterthwaite degrees of freedom, each side's from its number of independent blocks.
  const df =
    (variance * variance) / (seB ** 4 / Math.max(1, blocksB - 1) + seC ** 4 / Math.max(1, blocksC - 1));
  const half = studentTQuantile((1 + confidence) / 2, Math.max(1, df)) * Math.sqrt(variance);
  return [Math.expm1(logRatio - half), Math.expm1(logRatio + half)];
}
