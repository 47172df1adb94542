import { requestFailure } from '../core/errors.ts';
import type { HostCpu, PointTelemetry, ServerMetrics } from '../telemetry/schema.ts';
import {
  DIAGNOSIS_RULES,
  type Diagnosis,
  type DiagnosisFinding,
  type DiagnosisRule,
} from './diagnosis-schema.ts';
import { fixed } from './format.ts';

/**
 * A point's bottleneck, judged from what was measured, never asserted (docs/diagnosis.md). Each rule
 * looks at one source of evidence (the client's guard, the host's CPUs, the server's /metrics, the
 * GPU telemetry) and says `found` with the figures and what to try, `clear` with the figures, or
 * `not judged: no <source>` when the point has no such evidence. Pure: the same point gives the
 * same diagnosis.
 */

/** KV-cache usage (a fraction, 1 = full) at or above which a point is KV-cache bound. */
export const KV_CACHE_FULL = 0.95;
/** Preemptions during the point at or above which it is KV-cache bound. */
export const MIN_PREEMPTIONS = 1;
/** Requests waiting, on average over the scrapes while the load ran, at or above which a point queues. */
export const QUEUE_WAITING_MEAN = 1;
/** Mean time requests spent waiting for the scheduler (ms) at or above which a point queues. */
export const QUEUE_TIME_MEAN_MS = 100;
/** A phase with at least this share of the in-engine time (prefill + decode) bounds the point. */
export const PHASE_SHARE = 0.6;
/** A GPU busy (nvidia-smi utilization.gpu) less than this % on average is under-utilised. */
export const GPU_UNDERUSED_PCT = 60;
/** The host's CPUs busy at least this % on average make a CPU-bound host. */
export const HOST_CPU_BUSY_PCT = 90;

/** What a point has to judge by (a PointResult has all of it). */
export interface DiagnosisEvidence {
  summary: Record<string, unknown>;
  invalidReasons: readonly string[];
  simulated: boolean;
  telemetry?: PointTelemetry | undefined;
  serverMetrics?: ServerMetrics | undefined;
  hostCpu?: HostCpu | undefined;
}

const pct = (v: number) => `${fixed(v, 1)} %`;
const ms = (v: number) => `${fixed(v, 1)} ms`;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function finding(
  rule: DiagnosisRule,
  status: DiagnosisFinding['status'],
  verdict: string,
  evidence: string[] = [],
  figures: Record<string, number> = {},
  tryNext: string[] = [],
): DiagnosisFinding {
  return { rule, status, verdict, evidence, figures, tryNext: status === 'found' ? tryNext : [] };
}

const notJudged = (rule: DiagnosisRule, what: string) => finding(rule, 'not-judged', `not judged: ${what}`);

/** The client guard's own reasons (client-check.ts, summarize.ts): the load asked for was not applied. */
const isClientReason = (r: string) =>
  r.startsWith('the load generator') || r.includes('failed in the client itself');
/** The simulator's timing check (sim-lateness.ts): the host was too busy for the simulator to keep time. */
const isSimTimingReason = (r: string) => r.startsWith('the simulator');

/** Client-bound: the client guard found the client could not apply the load asked for. */
export function judgeClient(e: DiagnosisEvidence): DiagnosisFinding {
  const lateness = num(e.summary.client_lateness_p99_ms);
  const failures = (e.summary.failures ?? {}) as Record<string, unknown>;
  const inClient = num(failures[requestFailure.clientResources]) ?? 0;
  const figures: Record<string, number> = { clientResourceFailures: inClient };
  if (lateness !== null) figures.sendLatenessP99Ms = lateness;
  const latenessText = lateness === null ? [] : [`p99 send lateness ${ms(lateness)}`];
  const reasons = e.invalidReasons.filter(isClientReason);
  if (reasons.length === 0) {
    return finding(
      'client',
      'clear',
      'not client-bound',
      [`the client guard passed${lateness === null ? '' : `: ${latenessText[0]}`}`],
      figures,
    );
  }
  const tryNext = [
    'more client threads (`workers` in the load profile, --workers on the CLI)',
    'a quieter host for the client, or the client on another machine than the server',
  ];
  if (inClient > 0) tryNext.push('raise the open-file limit (ulimit -n)');
  tryNext.push(
    "judge the server from a valid run: this point's server figures describe less load than asked",
  );
  return finding('client', 'found', 'client-bound', [...reasons, ...latenessText], figures, tryNext);
}

/** CPU-bound host: the host's CPUs busy HOST_CPU_BUSY_PCT % or more, or the simulator lost time to them. */
export function judgeHostCpu(e: DiagnosisEvidence): DiagnosisFinding {
  const simReasons = e.invalidReasons.filter(isSimTimingReason);
  const cpu = e.hostCpu;
  const evidence: string[] = [];
  const figures: Record<string, number> = {};
  let busy = false;
  if (cpu?.available && cpu.busyPct) {
    busy = cpu.busyPct.mean >= HOST_CPU_BUSY_PCT;
    figures.busyMeanPct = cpu.busyPct.mean;
    figures.busyMaxPct = cpu.busyPct.max;
    evidence.push(
      `host CPUs busy ${pct(cpu.busyPct.mean)} on average (${busy ? '≥' : '<'} ${HOST_CPU_BUSY_PCT} %), ` +
        `${pct(cpu.busyPct.max)} in the busiest interval, over ${cpu.cores} cores`,
    );
    if (cpu.maxCoreBusyPct !== null) {
      figures.maxCoreBusyPct = cpu.maxCoreBusyPct;
      evidence.push(`busiest core ${pct(cpu.maxCoreBusyPct)}`);
    }
    if (cpu.processCpuPct) {
      figures.clientProcessCpuPct = cpu.processCpuPct.mean;
      evidence.push(`the load client's process ${pct(cpu.processCpuPct.mean)} of one core on average`);
    }
  }
  if (simReasons.length === 0 && evidence.length === 0) {
    if (!cpu) return notJudged('host-cpu', 'no host CPU samples');
    return notJudged('host-cpu', `no host CPU samples: ${cpu.reason ?? 'none taken'}`);
  }
  if (!busy && simReasons.length === 0)
    return finding('host-cpu', 'clear', 'not CPU-bound', evidence, figures);
  return finding('host-cpu', 'found', 'CPU-bound host', [...simReasons, ...evidence], figures, [
    'fewer test files or other work on this host at once (a quieter machine)',
    'the load client on another machine than the server',
    'on a CPU-only engine (llama.cpp without GPUs) this is its own compute: a larger host, or fewer servers per host',
  ]);
}

/** Why the server's /metrics cannot judge a rule, or null when they can. */
function noServerMetrics(m: ServerMetrics | undefined): string | null {
  if (!m) return 'no server metrics';
  if (!m.available) return `no server metrics: ${m.reason ?? 'not available'}`;
  return null;
}

/** KV-cache bound: usage reached KV_CACHE_FULL, or the server preempted requests. */
export function judgeKvCache(e: DiagnosisEvidence): DiagnosisFinding {
  const m = e.serverMetrics;
  const missing = noServerMetrics(m);
  if (missing || !m) return notJudged('kv-cache', missing ?? 'no server metrics');
  const kv = m.gauges.kvCacheUsage;
  const preemptions = m.counters.preemptions;
  if (!kv && !preemptions)
    return notJudged('kv-cache', 'the server reports no KV-cache usage or preemptions');
  const evidence: string[] = [];
  const figures: Record<string, number> = {};
  let full = false;
  if (kv) {
    full = kv.max >= KV_CACHE_FULL;
    figures.kvCacheMeanPct = 100 * kv.mean;
    figures.kvCacheMaxPct = 100 * kv.max;
    evidence.push(
      `KV cache ${pct(100 * kv.max)} full at most (${full ? '≥' : '<'} ${100 * KV_CACHE_FULL} %), ${pct(100 * kv.mean)} on average`,
    );
  }
  let preempted = false;
  if (preemptions) {
    preempted = preemptions.increase >= MIN_PREEMPTIONS;
    figures.preemptions = preemptions.increase;
    evidence.push(`${fixed(preemptions.increase, 0)} preemptions`);
  }
  if (!full && !preempted) return finding('kv-cache', 'clear', 'not KV-cache bound', evidence, figures);
  return finding('kv-cache', 'found', 'KV-cache bound', evidence, figures, [
    'more KV-cache memory: raise --gpu-memory-utilization, --kv-cache-dtype fp8, or more GPUs (--tensor-parallel-size leaves more memory per GPU for the cache)',
    'fewer sequences at once: lower --max-num-seqs (a preempted request is recomputed)',
    'shorter contexts: lower --max-model-len where the requests allow it',
  ]);
}

/** Queueing: requests waited for the scheduler (QUEUE_WAITING_MEAN waiting, or QUEUE_TIME_MEAN_MS each). */
export function judgeQueueing(e: DiagnosisEvidence, kvBound: boolean): DiagnosisFinding {
  const m = e.serverMetrics;
  const missing = noServerMetrics(m);
  if (missing || !m) return notJudged('queueing', missing ?? 'no server metrics');
  const waiting = m.gauges.requestsWaiting;
  const queue = m.histograms.queueTime;
  const queueMean = queue && queue.count > 0 ? queue.meanMs : null;
  if (!waiting && queueMean === null)
    return notJudged('queueing', 'the server reports no waiting requests or queue time');
  const evidence: string[] = [];
  const figures: Record<string, number> = {};
  let queued = false;
  if (waiting) {
    const over = waiting.mean >= QUEUE_WAITING_MEAN;
    queued ||= over;
    figures.waitingMean = waiting.mean;
    figures.waitingMax = waiting.max;
    evidence.push(
      `${fixed(waiting.mean, 1)} requests waiting on average (${over ? '≥' : '<'} ${QUEUE_WAITING_MEAN}), ${fixed(waiting.max, 0)} at most`,
    );
  }
  if (queueMean !== null && queue) {
    const over = queueMean >= QUEUE_TIME_MEAN_MS;
    queued ||= over;
    figures.queueTimeMeanMs = queueMean;
    const p99 = queue.p99Ms === null ? '' : `, p99 ${queue.beyondBuckets ? '>' : ''}${ms(queue.p99Ms)}`;
    evidence.push(
      `queue time ${ms(queueMean)} on average (${over ? '≥' : '<'} ${QUEUE_TIME_MEAN_MS} ms)${p99}`,
    );
  }
  const running = m.gauges.requestsRunning;
  if (running) {
    figures.runningMax = running.max;
    evidence.push(`${fixed(running.mean, 1)} requests running on average, ${fixed(running.max, 0)} at most`);
  }
  if (!queued) return finding('queueing', 'clear', 'no queueing', evidence, figures);
  const tryNext: string[] = [];
  const kv = m.gauges.kvCacheUsage;
  if (m.engine === 'llamacpp') tryNext.push('more slots: raise --parallel (-np) where memory allows');
  else if (kvBound)
    tryNext.push('more KV-cache memory first (the cache is full): more sequences would not fit');
  else if (kv) tryNext.push(`raise --max-num-seqs: the KV cache had room (${pct(100 * kv.max)} at most)`);
  else tryNext.push('raise the batch limit (--max-num-seqs) if memory allows');
  tryNext.push(
    'more GPUs or replicas (--data-parallel-size, more servers)',
    'a lower offered load: this point is past what the server holds',
  );
  return finding('queueing', 'found', 'queueing', evidence, figures, tryNext);
}

/** Under-utilised GPU: a GPU busy less than GPU_UNDERUSED_PCT % on average while the load ran. */
export function judgeGpu(e: DiagnosisEvidence, queueing: boolean): DiagnosisFinding {
  if (e.simulated) return notJudged('gpu-utilisation', 'no GPU telemetry (simulated server)');
  const t = e.telemetry;
  if (!t) return notJudged('gpu-utilisation', 'no GPU telemetry');
  const gpus = t.gpus.filter((g) => g.utilizationPct !== null);
  if (gpus.length === 0) {
    return notJudged(
      'gpu-utilisation',
      `no GPU telemetry: ${t.error ?? 'nvidia-smi reported no utilisation'}`,
    );
  }
  const figures: Record<string, number> = {};
  const evidence: string[] = [];
  let lowest = Number.POSITIVE_INFINITY;
  for (const g of gpus) {
    const u = g.utilizationPct as { mean: number; max: number };
    lowest = Math.min(lowest, u.mean);
    figures[`gpu${g.index}UtilizationPct`] = u.mean;
    evidence.push(
      `GPU ${g.index} busy ${pct(u.mean)} on average (${u.mean < GPU_UNDERUSED_PCT ? '<' : '≥'} ${GPU_UNDERUSED_PCT} %), ${pct(u.max)} at most`,
    );
  }
  if (lowest >= GPU_UNDERUSED_PCT) return finding('gpu-utilisation', 'clear', 'GPU busy', evidence, figures);
  const tryNext = queueing
    ? [
        'requests queued while a GPU idled: the limit is the scheduler, not the GPU: raise --max-num-seqs / --max-num-batched-tokens',
        'check the host CPU (a busy host starves the GPU of work)',
      ]
    : ['more load (a higher rate or concurrency) to find what the GPU holds', 'fewer GPUs for this load'];
  if (gpus.length > 1) tryNext.push('uneven GPUs: check how replicas share the load');
  return finding('gpu-utilisation', 'found', 'under-utilised GPU', evidence, figures, tryNext);
}

/** Where in-engine time went: prefill and decode seconds from the server (vLLM histograms, llama.cpp counters). */
function phaseSeconds(m: ServerMetrics): { prefill: number; decode: number; source: string } | null {
  const p = m.histograms.prefillTime;
  const d = m.histograms.decodeTime;
  if (p && d && p.count > 0 && d.count > 0 && p.meanMs !== null && d.meanMs !== null) {
    return {
      prefill: (p.meanMs * p.count) / 1000,
      decode: (d.meanMs * d.count) / 1000,
      source: 'request prefill / decode time',
    };
  }
  const ps = m.counters.promptSeconds;
  const gs = m.counters.generationSeconds;
  if (ps && gs) return { prefill: ps.increase, decode: gs.increase, source: 'prompt / generation seconds' };
  return null;
}

/** Prefill- or decode-bound: the phase with PHASE_SHARE or more of the in-engine time. */
export function judgePhase(
  e: DiagnosisEvidence,
  others: { kvBound?: boolean; queueing?: boolean } = {},
): DiagnosisFinding {
  const m = e.serverMetrics;
  const missing = noServerMetrics(m);
  if (missing || !m) return notJudged('phase', missing ?? 'no server metrics');
  const s = phaseSeconds(m);
  if (!s || s.prefill + s.decode <= 0)
    return notJudged('phase', 'the server reports no prefill and decode times');
  const total = s.prefill + s.decode;
  const prefillShare = s.prefill / total;
  const decodeShare = s.decode / total;
  const figures = { prefillShare, decodeShare, prefillS: s.prefill, decodeS: s.decode };
  const evidence = [
    `prefill ${pct(100 * prefillShare)}, decode ${pct(100 * decodeShare)} of the in-engine time ` +
      `(${fixed(s.prefill, 2)} s / ${fixed(s.decode, 2)} s, ${s.source}; ≥ ${100 * PHASE_SHARE} % bounds)`,
  ];
  if (prefillShare >= PHASE_SHARE) {
    return finding('phase', 'found', 'prefill-bound', evidence, figures, [
      'chunked prefill with a larger --max-num-batched-tokens',
      'prefix caching (--enable-prefix-caching) where prompts share prefixes',
      'more compute per request: --tensor-parallel-size over more GPUs',
    ]);
  }
  if (decodeShare >= PHASE_SHARE) {
    return finding('phase', 'found', 'decode-bound', evidence, figures, [
      // Batches are capped by --max-num-seqs only when requests wait, and only worth raising with room in the cache.
      ...(others.queueing && !others.kvBound
        ? ['larger batches: raise --max-num-seqs (requests waited while the KV cache had room)']
        : []),
      'speculative decoding',
      'quantised weights or KV cache: decode reads them every step (memory bandwidth)',
      'more memory bandwidth: --tensor-parallel-size over more GPUs',
    ]);
  }
  return finding('phase', 'clear', 'neither phase dominates', evidence, figures);
}

/** Every rule's finding for one point, and the headline: the found verdicts in DIAGNOSIS_RULES order. */
export function diagnose(e: DiagnosisEvidence): Diagnosis {
  const client = judgeClient(e);
  const host = judgeHostCpu(e);
  const kv = judgeKvCache(e);
  const queue = judgeQueueing(e, kv.status === 'found');
  const gpu = judgeGpu(e, queue.status === 'found');
  const phase = judgePhase(e, { kvBound: kv.status === 'found', queueing: queue.status === 'found' });
  const findings = [client, host, kv, queue, gpu, phase].sort(
    (a, b) => DIAGNOSIS_RULES.indexOf(a.rule) - DIAGNOSIS_RULES.indexOf(b.rule),
  );
  const found = findings.filter((f) => f.status === 'found').map((f) => f.verdict);
  return { verdict: found.length > 0 ? found.join(', ') : 'no bottleneck found', findings };
}
