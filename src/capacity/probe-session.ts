import type { LoadProfileInput } from '../config/load-profile.ts';
import type { LoadResult } from '../load/run-load.ts';
import type { RequestRecord } from '../metrics/record.ts';
import { evidenceOf, type RunEvidence } from '../telemetry/schema.ts';
import { judgeProbe } from './judge.ts';
import type { KneePoint } from './knee.ts';
import {
  perSecond,
  planProbe,
  type SteadyThroughput,
  saturatedThroughput,
  steadyThroughput,
  steadyWindow,
  unqueuedLatencyMs,
} from './probe-plan.ts';
import type { CapacityProbe } from './result.ts';
import type { SearchPoint } from './search.ts';
import type { CapacitySearch, CapacitySlo, ProbeBaseInput } from './spec.ts';

/** One load run as a probe runner returns it. */
export interface ProbeRun extends RunEvidence {
  result: LoadResult;
  rawFile: string | null;
  /** Reasons the caller distrusts the run (the server died, ...); any makes the probe invalid. */
  invalidReasons?: string[];
}

export type ProbeRunner = (
  profile: LoadProfileInput,
  probe: { load: number; phase: CapacityProbe['phase'] },
) => Promise<ProbeRun>;

/** What a finished probe tells the search and the knee. */
export interface ProbeOutcome {
  point: SearchPoint;
  knee: KneePoint | null;
}

/** An invalid run is run again this many times at the same load before the probe is given up. */
const INVALID_RETRIES = 1;

export interface ProbeSessionOptions {
  runProbe: ProbeRunner;
  onProbe?: (probe: CapacityProbe) => void;
  signal?: AbortSignal;
}

/**
 * Runs the probes of one capacity search and records every load run in `probes`. It owns the
 * run budget (`maxProbes` counts every run: extensions and retries too), the seeds (base seed
 * plus the run's index, so no two runs share arrivals or prompts), the lengthening of undecided
 * probes and the retry of invalid runs.
 */
export class ProbeSession {
  readonly probes: CapacityProbe[] = [];
  /** The shortest unqueued request latency any valid run measured: it sizes rate probes' warm-ups. */
  private latencyMs: number | null = null;

  private readonly base: ProbeBaseInput;
  private readonly slo: CapacitySlo;
  private readonly search: CapacitySearch;
  private readonly options: ProbeSessionOptions;

  constructor(base: ProbeBaseInput, slo: CapacitySlo, search: CapacitySearch, options: ProbeSessionOptions) {
    this.base = base;
    this.slo = slo;
    this.search = search;
    this.options = options;
  }

  get runs(): number {
    return this.probes.length;
  }

  private get budgetLeft(): boolean {
    return this.probes.length < this.search.maxProbes;
  }

  private async run(
    arrival: LoadProfileInput['arrival'],
    requests: number,
    load: number,
    phase: CapacityProbe['phase'],
  ): Promise<{ run: ProbeRun; invalidReasons: string[] }> {
    this.options.signal?.throwIfAborted();
    const profile: LoadProfileInput = {
      ...this.base,
      arrival,
      requests,
      warmupRequests: 0,
      seed: (this.base.seed ?? 0) + this.probes.length + 1,
    };
    // A rate probe uses vLLM's schedule: gaps rescaled so the last send lands at exactly
    // requests / rate. Its load is then the rate it states (a plain Poisson draw of 125 requests
    // offers +-9 % around it, more than the precision asked), and its length is bounded by the
    // schedule. The rescaled arrivals come in slightly fewer bursts than a stationary process
    // (an M/D/4 queue at 1.2x capacity, TTFT SLO, 100-request windows: attainment 0.79 rescaled,
    // 0.77 plain, 0.73 stationary): the warm-up share and the drain share are the remedy.
    const run = await this.options.runProbe(profile, { load, phase });
    const invalidReasons = [
      ...(run.result.summary.valid ? [] : run.result.summary.invalid_reasons),
      ...(run.invalidReasons ?? []),
    ];
    if (!run.result.summary.valid && invalidReasons.length === 0)
      invalidReasons.push('the run was marked invalid');
    const latency = invalidReasons.length > 0 ? null : unqueuedLatencyMs(run.result.records);
    if (latency !== null && latency > 0) this.latencyMs = Math.min(this.latencyMs ?? latency, latency);
    return { run, invalidReasons };
  }

  private record(probe: Omit<CapacityProbe, 'index'>): CapacityProbe {
    const full: CapacityProbe = { index: this.probes.length + 1, ...probe };
    this.probes.push(full);
    this.options.onProbe?.(full);
    return full;
  }

  /**
   * The saturating probe of a rate search: `minRequests` requests all at once (infinite rate;
   * the base profile's maxConcurrency, if any, still caps them), so the server's own queue sets
   * the pace. Its `load` is the throughput T it measured (saturatedThroughput); it is judged for
   * the record but never a bound. Returns T, or null when it stayed invalid. A server that
   * batches more than minRequests at once is not saturated by it: T is then a lower bound (what it
   * served in one wave) and the search steps up from it.
   */
  async saturate(): Promise<number | null> {
    for (let attempt = 0; attempt <= INVALID_RETRIES && this.budgetLeft; attempt++) {
      const { run, invalidReasons } = await this.run(
        { kind: 'infinite' },
        this.search.minRequests,
        0,
        'saturate',
      );
      const records = run.result.records.filter((r) => !r.warmup);
      const throughput = saturatedThroughput(records);
      const judged = judgeProbe(records, this.slo, this.search.confidence);
      const invalid = invalidReasons.length > 0;
      this.record({
        load: throughput,
        phase: 'saturate',
        extensions: 0,
        judgedRequests: invalid ? 0 : records.length,
        achievedOfferedRate: null,
        throughput,
        objectives: invalid ? [] : judged.objectives,
        verdict: invalid ? 'invalid' : judged.verdict === 'undecided' ? 'unresolved' : judged.verdict,
        invalidReasons,
        summary: run.result.summary,
        rawFile: run.rawFile,
        ...evidenceOf(run),
      });
      if (!invalid && throughput > 0) return throughput;
    }
    return null;
  }

  /**
   * One probe at `load`: a run sized by planProbe, judged on its steady window. An undecided
   * probe is lengthened by another run at the same load that doubles the pooled sample, the
   * steady windows pooled, until it is decided or `maxRequests` are judged (then 'unresolved'); it is left
   * 'unresolved' at once when even `maxRequests` would most likely not decide it (its share sits
   * too close to the target: judge.ts staysUndecided), as the runs are better spent elsewhere. Every run is
   * recorded; a run that is not the probe's last and was undecided is recorded 'unresolved' with
   * the next one's `extensions` one higher. An invalid run is retried once, then the probe is
   * 'invalid' (or 'unresolved' when earlier runs of it were valid and pooled). A first run sized
   * before any latency was measured that proves too short to be steady is a pilot: recorded
   * 'unresolved' unless it failed, never pooled. Returns null when the run budget was already spent.
   */
  async probe(load: number, phase: CapacityProbe['phase']): Promise<ProbeOutcome | null> {
    const { search } = this;
    const arrival: LoadProfileInput['arrival'] =
      search.variable === 'concurrency'
        ? { kind: 'concurrency', concurrency: load }
        : search.arrival === 'gamma'
          ? { kind: 'gamma', rate: load, burstiness: search.burstiness }
          : { kind: search.arrival, rate: load };
    const pooled: RequestRecord[] = [];
    let completions = 0;
    let spanMs = 0;
    let sendSpanMs = 0;
    let sendGaps = 0;
    let pooledRuns = 0;
    let invalidRuns = 0;
    let outcome: ProbeOutcome | null = null;
    while (this.budgetLeft) {
      // Each extension doubles the pooled sample (100, 200, 400, ...): an interval narrows with the
      // square root of the sample, so equal steps would spend most runs on small gains.
      const sizing = { judgedCap: search.maxRequests - pooled.length, atLeast: pooled.length };
      const sizedBy = this.latencyMs;
      const plan = planProbe(this.slo, search, load, { ...sizing, latencyMs: sizedBy });
      const { run, invalidReasons } = await this.run(
        arrival,
        plan.warmup + plan.judged + plan.drain,
        load,
        phase,
      );
      const records = run.result.records.filter((r) => !r.warmup);
      const window = steadyWindow(records, plan);
      const throughput = steadyThroughput(records, window);
      const common = {
        load,
        phase,
        summary: run.result.summary,
        rawFile: run.rawFile,
        invalidReasons,
        ...evidenceOf(run),
      };

      if (invalidReasons.length > 0) {
        invalidRuns++;
        this.record({
          ...common,
          extensions: pooledRuns,
          judgedRequests: 0,
          ...runRates(search, window, throughput),
          objectives: [],
          verdict: 'invalid',
        });
        // Given up: what earlier runs pooled stays undecided; with none, the probe is invalid.
        if (invalidRuns > INVALID_RETRIES) break;
        continue;
      }

      // The session's first run (a rate confirmation or adaptive search) was sized before any
      // latency was known. If it turns out too short to be steady, it is a pilot: a fail still
      // stands (an idle server's start only flatters), anything else is run again at full size.
      const resized =
        sizedBy === null && this.latencyMs !== null
          ? planProbe(this.slo, search, load, { ...sizing, latencyMs: this.latencyMs })
          : plan;
      if (resized.warmup > plan.warmup || resized.judged > plan.judged) {
        const pilot = judgeProbe(window, this.slo, search.confidence);
        if (pilot.verdict !== 'fail') {
          this.record({
            ...common,
            extensions: 0,
            pilot: true,
            judgedRequests: window.length,
            ...runRates(search, window, throughput),
            objectives: pilot.objectives,
            verdict: 'unresolved',
          });
          continue;
        }
      }
      pooledRuns++;
      pooled.push(...window);
      completions += throughput.completions;
      spanMs += throughput.spanMs;
      sendSpanMs += throughput.sendSpanMs;
      sendGaps += Math.max(0, window.length - 1);
      const judged = judgeProbe(pooled, this.slo, search.confidence);
      const decided = judged.verdict !== 'undecided';
      const verdict = decided ? (judged.verdict as 'pass' | 'fail') : 'unresolved';
      const achieved = offered(search, sendGaps, sendSpanMs);
      const tput = perSecond({ completions, spanMs, sendSpanMs });
      this.record({
        ...common,
        extensions: pooledRuns - 1,
        judgedRequests: pooled.length,
        achievedOfferedRate: achieved,
        throughput: tput,
        objectives: judged.objectives,
        verdict,
      });
      outcome = {
        point: {
          load,
          verdict,
          margin: judged.margin,
          served: search.variable === 'request-rate' ? tput : null,
        },
        knee: { load, throughput: tput, offered: achieved },
      };
      const futile = judged.staysUndecided(search.maxRequests / Math.max(1, pooled.length));
      if (decided || futile || pooled.length >= search.maxRequests || window.length === 0) return outcome;
    }
    if (outcome === null && invalidRuns > 0)
      return { point: { load, verdict: 'invalid', margin: null }, knee: null };
    return outcome;
  }
}

/** One run's own offered rate achieved and throughput (a run recorded but not pooled). */
function runRates(search: CapacitySearch, window: readonly RequestRecord[], throughput: SteadyThroughput) {
  return {
    achievedOfferedRate: offered(search, Math.max(0, window.length - 1), throughput.sendSpanMs),
    throughput: perSecond(throughput),
  };
}

/** Pooled achieved offered rate: send gaps over send spans; null for closed loop. */
function offered(search: CapacitySearch, gaps: number, spanMs: number): number | null {
  return search.variable === 'concurrency' || spanMs <= 0 ? null : (gaps * 1000) / spanMs;
}
