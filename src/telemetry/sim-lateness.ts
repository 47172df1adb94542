import { judgedPercentile } from '../metrics/client-check.ts';
import { defaultSummaryOptions } from '../metrics/summarize.ts';
import { histogramQuantile, labelValue, parsePromNumber, parsePromText } from './prometheus-text.ts';

/**
 * The simulator runs its model in real time: on a busy host its step timers fire late and the
 * latencies it serves follow the host's load instead of the model. It reports that itself on
 * /metrics; this module reads it before and after a load run and says when the run cannot stand
 * for the model (the run is then invalid, never a regression).
 */

const LATENESS = 'servebench:sim_step_lateness_seconds';
const DURATION_SUM = 'servebench:sim_step_duration_seconds_sum';
const LOST = 'servebench:sim_lost_seconds_total';

/** Share of the modelled time the simulator may lose (timeline restarts) before a run is invalid. */
export const MAX_LOST_SHARE = 0.05;
/** The simulator's own answer to /metrics comes at once; anything slower is a stuck process. */
const SCRAPE_TIMEOUT_MS = 5_000;

/** Cumulative step counters of a simulator, summed over its engines. */
export interface SimStepCounters {
  steps: number;
  /** Modelled step time, s. */
  modelledS: number;
  /** Modelled time given up to late steps, s (null from a simulator that does not count it). */
  lostS: number | null;
  /** Cumulative step counts by lateness bucket bound (s), `Infinity` last, ascending. */
  buckets: Array<[number, number]>;
}

/** What a load run did to the simulator's timing: the difference of two readings. */
export interface SimLateness {
  steps: number;
  modelledS: number;
  lostS: number | null;
  /** lostS / modelledS (null when either is unknown or nothing was modelled). */
  lostShare: number | null;
  /** The percentile judged: p99, or lower with fewer steps (five beyond it, as the client check). */
  percentile: number;
  /** Step lateness at that percentile, ms, interpolated in its histogram bucket (null without steps). */
  latenessMs: number | null;
  /** True when the percentile lies beyond the last finite bucket (latenessMs is then that bound). */
  beyondBuckets: boolean;
}

export interface SimLatenessLimits {
  /** The load profile's `maxLatenessP99Ms`: the step lateness allowed at the judged percentile. */
  maxLatenessP99Ms: number;
  /** Default MAX_LOST_SHARE. */
  maxLostShare?: number;
}

/** Reads the step counters from a simulator's /metrics page. */
export function simStepCounters(metricsText: string): SimStepCounters | null {
  let steps: number | null = null;
  let modelledS = 0;
  let lostS: number | null = null;
  const buckets = new Map<number, number>();
  for (const s of parsePromText(metricsText)) {
    if (s.name === `${LATENESS}_count`) steps = (steps ?? 0) + s.value;
    else if (s.name === DURATION_SUM) modelledS += s.value;
    else if (s.name === LOST) lostS = (lostS ?? 0) + s.value;
    else if (s.name === `${LATENESS}_bucket`) {
      const le = parsePromNumber(labelValue(s.labels, 'le') ?? '');
      if (le !== null) buckets.set(le, (buckets.get(le) ?? 0) + s.value);
    }
  }
  // A simulator that has not stepped yet has the families without samples.
  if (steps === null && !metricsText.includes(`# TYPE ${LATENESS} histogram`)) return null;
  return { steps: steps ?? 0, modelledS, lostS, buckets: [...buckets].sort((a, b) => a[0] - b[0]) };
}

/** What happened between two readings of the same simulator. */
export function simLateness(before: SimStepCounters, after: SimStepCounters): SimLateness {
  const steps = after.steps - before.steps;
  const modelledS = after.modelledS - before.modelledS;
  const lostS = after.lostS === null ? null : after.lostS - (before.lostS ?? 0);
  const earlier = new Map(before.buckets);
  const buckets = after.buckets.map(([le, n]): [number, number] => [le, n - (earlier.get(le) ?? 0)]);
  const percentile = judgedPercentile(steps);
  const q = steps > 0 ? histogramQuantile(buckets, percentile / 100) : null;
  return {
    steps,
    modelledS,
    lostS,
    lostShare: lostS !== null && modelledS > 0 ? lostS / modelledS : null,
    percentile,
    latenessMs: q === null ? null : q.value * 1000,
    beyondBuckets: q?.beyond ?? false,
  };
}

/** Why a run on this simulator cannot stand for its model; empty when the simulator kept time. */
export function simLatenessReasons(l: SimLateness, limits: SimLatenessLimits): string[] {
  const reasons: string[] = [];
  const maxShare = limits.maxLostShare ?? MAX_LOST_SHARE;
  const advice =
    "its latencies follow this host's load, not the model; run fewer test files at once or on a quieter machine";
  if (l.lostShare !== null && l.lostShare > maxShare) {
    reasons.push(
      `the simulator fell behind its model: it lost ${(100 * l.lostShare).toFixed(1)}% of the ` +
        `${l.modelledS.toFixed(2)} s it modelled (${l.steps} steps; a step processed more than 20 ms late ` +
        `restarts its timeline), more than ${100 * maxShare}% allowed, so ${advice}`,
    );
  }
  if (l.latenessMs !== null && l.latenessMs > limits.maxLatenessP99Ms) {
    const p = Number.isInteger(l.percentile) ? String(l.percentile) : l.percentile.toFixed(1);
    const value = l.beyondBuckets ? `over ${l.latenessMs.toFixed(0)} ms` : `${l.latenessMs.toFixed(1)} ms`;
    reasons.push(
      `the simulator's step timing was off: p${p} step lateness ${value} > ${limits.maxLatenessP99Ms} ms ` +
        `allowed (maxLatenessP99Ms in the load profile; of ${l.steps} steps), so ${advice}`,
    );
  }
  return reasons;
}

/** A reading of the simulator at `url`, or why there is none. */
export async function readSimStepCounters(url: string): Promise<SimStepCounters | string> {
  const endpoint = `${url.replace(/\/+$/, '')}/metrics`;
  try {
    const response = await fetch(endpoint, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
    if (!response.ok) return `GET ${endpoint} answered HTTP ${response.status}`;
    return simStepCounters(await response.text()) ?? `${endpoint} has no ${LATENESS}`;
  } catch (error) {
    return `GET ${endpoint} failed: ${(error as Error).message}`;
  }
}

export interface SimLatenessProbe {
  /** Reads the simulator again: the reasons the run in between is invalid (empty when none). */
  stop(): Promise<string[]>;
}

/**
 * Reads the simulator's step counters now; `stop()` after the load run reads them again and judges
 * the difference (`maxLatenessP99Ms` defaults to the load profile's default, 10 ms). Never throws:
 * a simulator that cannot be read is itself a reason.
 * Call it around each load run on a simulated server (`info.simulated`), e.g. per capacity probe.
 */
export async function simLatenessProbe(
  url: string,
  limits: Partial<SimLatenessLimits> = {},
): Promise<SimLatenessProbe> {
  const judged = {
    ...limits,
    maxLatenessP99Ms: limits.maxLatenessP99Ms ?? defaultSummaryOptions.maxLatenessP99Ms,
  };
  const before = await readSimStepCounters(url);
  return {
    async stop() {
      const after = await readSimStepCounters(url);
      if (typeof before === 'string' || typeof after === 'string') {
        const why = typeof before === 'string' ? before : (after as string);
        return [
          `the simulator's timing could not be checked (${why}), so the run cannot stand for its model`,
        ];
      }
      return simLatenessReasons(simLateness(before, after), judged);
    },
  };
}
