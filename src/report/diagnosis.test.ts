import { describe, expect, it } from 'vitest';
import { requestFailure } from '../core/errors.ts';
import { latenessReasons } from '../metrics/client-check.ts';
import type { RequestRecord } from '../metrics/record.ts';
import type { HostCpu, PointTelemetry, ServerMetrics } from '../telemetry/schema.ts';
import {
  type DiagnosisEvidence,
  diagnose,
  GPU_UNDERUSED_PCT,
  HOST_CPU_BUSY_PCT,
  judgeClient,
  judgeGpu,
  judgeHostCpu,
  judgeKvCache,
  judgePhase,
  judgeQueueing,
  KV_CACHE_FULL,
  PHASE_SHARE,
  QUEUE_TIME_MEAN_MS,
  QUEUE_WAITING_MEAN,
} from './diagnosis.ts';
import { diagnosisSchema } from './diagnosis-schema.ts';

const gauge = (mean: number, max = mean) => ({ mean, max, samples: 5, source: 'x' });
const histogram = (meanMs: number, count = 100) => ({
  count,
  meanMs,
  p50Ms: meanMs,
  p90Ms: meanMs,
  p99Ms: meanMs,
  beyondBuckets: false,
  lowestBoundMs: 300,
  source: 'x',
});

function metrics(over: Partial<ServerMetrics> = {}): ServerMetrics {
  return {
    source: 'prometheus',
    endpoint: 'http://127.0.0.1:8000/metrics',
    engine: 'vllm',
    available: true,
    intervalMs: 1000,
    windowS: 10,
    scrapes: 12,
    failedScrapes: 0,
    counters: {},
    gauges: {},
    histograms: {},
    crossChecks: [],
    warnings: [],
    rawFile: null,
    ...over,
  };
}

function hostCpu(busyMean: number, over: Partial<HostCpu> = {}): HostCpu {
  return {
    source: '/proc/stat',
    available: true,
    intervalMs: 500,
    durationS: 10,
    samples: 20,
    cores: 16,
    busyPct: { mean: busyMean, max: Math.min(100, busyMean + 5) },
    maxCoreBusyPct: 100,
    processCpuPct: { mean: 40, max: 80 },
    ...over,
  };
}

function gpuTelemetry(utilization: readonly (number | null)[], error?: string): PointTelemetry {
  return {
    source: 'nvidia-smi',
    intervalMs: 500,
    durationS: 10,
    gpus: utilization.map((u, i) => ({
      index: String(i),
      uuid: `GPU-${i}`,
      samples: 20,
      utilizationPct: u === null ? null : { mean: u, max: Math.min(100, u + 10) },
      memoryUsedMiB: null,
      memoryTotalMiB: null,
      smClockMHz: null,
      powerW: null,
    })),
    ...(error ? { error } : {}),
  };
}

const point = (over: Partial<DiagnosisEvidence> = {}): DiagnosisEvidence => ({
  summary: { client_lateness_p99_ms: 0.4, failures: {} },
  invalidReasons: [],
  simulated: false,
  ...over,
});

describe('client-bound', () => {
  it('is found from the client guard’s own lateness verdict, with its figures', () => {
    // Sends scheduled 10 ms apart went out 20 ms apart: the guard's rate-shortfall reason.
    const records = Array.from(
      { length: 50 },
      (_, i) =>
        ({
          scheduled_ms: 10 * i,
          lateness_ms: 10 * i,
          ok: true,
          chunk_ms: [10 * i + 100],
          end_ms: 10 * i + 200,
        }) as unknown as RequestRecord,
    );
    const reasons = latenessReasons(records, 10);
    expect(reasons.length).toBeGreaterThan(0);
    const f = judgeClient(point({ invalidReasons: reasons, summary: { client_lateness_p99_ms: 485 } }));
    expect(f).toMatchObject({
      status: 'found',
      verdict: 'client-bound',
      figures: { sendLatenessP99Ms: 485 },
    });
    expect(f.evidence).toContain('p99 send lateness 485.0 ms');
    expect(f.evidence[0]).toMatch(/fell behind its schedule/);
    expect(f.tryNext.join(' ')).toMatch(/workers/);
  });

  it('is found when requests failed in the client itself, and says to raise the open-file limit', () => {
    const f = judgeClient(
      point({
        invalidReasons: ['3 of 100 requests failed in the client itself (SB_CLIENT_RESOURCES: ...)'],
        summary: { client_lateness_p99_ms: 1, failures: { [requestFailure.clientResources]: 3 } },
      }),
    );
    expect(f.status).toBe('found');
    expect(f.figures.clientResourceFailures).toBe(3);
    expect(f.tryNext.join(' ')).toMatch(/ulimit -n/);
  });

  it('is clear when the guard passed, and ignores reasons that are not the client’s', () => {
    const f = judgeClient(point({ invalidReasons: ['12 of 100 requests failed (12.0% > 10.0% allowed)'] }));
    expect(f).toMatchObject({ status: 'clear', verdict: 'not client-bound', tryNext: [] });
    expect(f.evidence).toEqual(['the client guard passed: p99 send lateness 0.4 ms']);
  });
});

describe('CPU-bound host', () => {
  it(`is found at ${HOST_CPU_BUSY_PCT} % busy on average, not just below`, () => {
    expect(judgeHostCpu(point({ hostCpu: hostCpu(HOST_CPU_BUSY_PCT) }))).toMatchObject({
      status: 'found',
      verdict: 'CPU-bound host',
      figures: { busyMeanPct: HOST_CPU_BUSY_PCT, maxCoreBusyPct: 100, clientProcessCpuPct: 40 },
    });
    const below = judgeHostCpu(point({ hostCpu: hostCpu(HOST_CPU_BUSY_PCT - 0.01) }));
    expect(below).toMatchObject({ status: 'clear', verdict: 'not CPU-bound', tryNext: [] });
    expect(below.evidence[0]).toMatch(/busy 90\.0 % on average \(< 90 %\)/);
  });

  it('is found when the simulator lost time to a busy host, even without samples', () => {
    const reason = 'the simulator fell behind its model: it lost 12.0% of the 3.00 s it modelled';
    const f = judgeHostCpu(point({ invalidReasons: [reason], simulated: true }));
    expect(f).toMatchObject({ status: 'found', evidence: [reason] });
  });

  it('is not judged without samples, saying why', () => {
    expect(judgeHostCpu(point())).toMatchObject({
      status: 'not-judged',
      verdict: 'not judged: no host CPU samples',
    });
    const off = hostCpu(0, { available: false, reason: 'only Linux has /proc/stat', busyPct: null });
    expect(judgeHostCpu(point({ hostCpu: off })).verdict).toBe(
      'not judged: no host CPU samples: only Linux has /proc/stat',
    );
  });
});

describe('KV-cache bound', () => {
  it(`is found at ${100 * KV_CACHE_FULL} % usage, not just below`, () => {
    const at = judgeKvCache(
      point({ serverMetrics: metrics({ gauges: { kvCacheUsage: gauge(0.5, KV_CACHE_FULL) } }) }),
    );
    expect(at).toMatchObject({ status: 'found', verdict: 'KV-cache bound', figures: { kvCacheMaxPct: 95 } });
    expect(at.tryNext.join(' ')).toMatch(/--max-model-len/);
    const below = judgeKvCache(
      point({ serverMetrics: metrics({ gauges: { kvCacheUsage: gauge(0.5, KV_CACHE_FULL - 0.001) } }) }),
    );
    expect(below).toMatchObject({ status: 'clear', verdict: 'not KV-cache bound' });
  });

  it('is found from one preemption, none is clear', () => {
    const with1 = metrics({
      counters: { preemptions: { increase: 1, source: 'vllm:num_preemptions_total' } },
    });
    expect(judgeKvCache(point({ serverMetrics: with1 }))).toMatchObject({
      status: 'found',
      figures: { preemptions: 1 },
    });
    const with0 = metrics({
      counters: { preemptions: { increase: 0, source: 'vllm:num_preemptions_total' } },
    });
    expect(judgeKvCache(point({ serverMetrics: with0 })).status).toBe('clear');
  });

  it('is not judged without server metrics or without the fields (llama.cpp)', () => {
    expect(judgeKvCache(point()).verdict).toBe('not judged: no server metrics');
    expect(
      judgeKvCache(point({ serverMetrics: metrics({ available: false, reason: 'HTTP 404' }) })).verdict,
    ).toBe('not judged: no server metrics: HTTP 404');
    expect(judgeKvCache(point({ serverMetrics: metrics({ engine: 'llamacpp' }) })).verdict).toBe(
      'not judged: the server reports no KV-cache usage or preemptions',
    );
  });
});

describe('queueing', () => {
  it(`is found at ${QUEUE_WAITING_MEAN} request waiting on average, not just below`, () => {
    const at = metrics({
      gauges: { requestsWaiting: gauge(QUEUE_WAITING_MEAN, 4), kvCacheUsage: gauge(0.3, 0.6) },
    });
    const f = judgeQueueing(point({ serverMetrics: at }), false);
    expect(f).toMatchObject({
      status: 'found',
      verdict: 'queueing',
      figures: { waitingMean: 1, waitingMax: 4 },
    });
    // The KV cache had room: more sequences is the first thing to try.
    expect(f.tryNext[0]).toBe('raise --max-num-seqs: the KV cache had room (60.0 % at most)');
    const below = metrics({ gauges: { requestsWaiting: gauge(QUEUE_WAITING_MEAN - 0.01, 4) } });
    expect(judgeQueueing(point({ serverMetrics: below }), false).status).toBe('clear');
  });

  it(`is found at ${QUEUE_TIME_MEAN_MS} ms mean queue time, not just below`, () => {
    const at = metrics({ histograms: { queueTime: histogram(QUEUE_TIME_MEAN_MS) } });
    expect(judgeQueueing(point({ serverMetrics: at }), false)).toMatchObject({
      status: 'found',
      figures: { queueTimeMeanMs: 100 },
    });
    const below = metrics({ histograms: { queueTime: histogram(QUEUE_TIME_MEAN_MS - 0.1) } });
    expect(judgeQueueing(point({ serverMetrics: below }), false).status).toBe('clear');
  });

  it('advises more KV memory first when the cache is full, more slots on llama.cpp', () => {
    const full = metrics({ gauges: { requestsWaiting: gauge(5), kvCacheUsage: gauge(0.99) } });
    expect(judgeQueueing(point({ serverMetrics: full }), true).tryNext[0]).toMatch(
      /more KV-cache memory first/,
    );
    const llama = metrics({ engine: 'llamacpp', gauges: { requestsWaiting: gauge(3) } });
    expect(judgeQueueing(point({ serverMetrics: llama }), false).tryNext[0]).toMatch(/--parallel/);
  });

  it('is not judged without the gauge or observations', () => {
    const empty = metrics({ histograms: { queueTime: histogram(0, 0) } });
    expect(judgeQueueing(point({ serverMetrics: empty }), false).verdict).toBe(
      'not judged: the server reports no waiting requests or queue time',
    );
  });
});

describe('under-utilised GPU', () => {
  it(`is found below ${GPU_UNDERUSED_PCT} % on the least busy GPU, clear at it`, () => {
    const low = judgeGpu(point({ telemetry: gpuTelemetry([90, GPU_UNDERUSED_PCT - 0.1]) }), false);
    expect(low).toMatchObject({
      status: 'found',
      verdict: 'under-utilised GPU',
      figures: { gpu1UtilizationPct: 59.9 },
    });
    expect(low.tryNext.join(' ')).toMatch(/more load/);
    expect(judgeGpu(point({ telemetry: gpuTelemetry([GPU_UNDERUSED_PCT]) }), false).status).toBe('clear');
  });

  it('blames the scheduler when requests queued while the GPU idled', () => {
    const f = judgeGpu(point({ telemetry: gpuTelemetry([30]) }), true);
    expect(f.tryNext[0]).toMatch(/the limit is the scheduler/);
  });

  it('is not judged when simulated, without telemetry, or with no utilisation', () => {
    expect(judgeGpu(point({ simulated: true }), false).verdict).toBe(
      'not judged: no GPU telemetry (simulated server)',
    );
    expect(judgeGpu(point(), false).verdict).toBe('not judged: no GPU telemetry');
    expect(judgeGpu(point({ telemetry: gpuTelemetry([], 'nvidia-smi not found') }), false).verdict).toBe(
      'not judged: no GPU telemetry: nvidia-smi not found',
    );
    expect(judgeGpu(point({ telemetry: gpuTelemetry([null]) }), false).verdict).toBe(
      'not judged: no GPU telemetry: nvidia-smi reported no utilisation',
    );
  });
});

describe('prefill- or decode-bound', () => {
  // 100 requests each: prefill mean p ms, decode mean d ms.
  const phases = (p: number, d: number) =>
    point({
      serverMetrics: metrics({ histograms: { prefillTime: histogram(p), decodeTime: histogram(d) } }),
    });

  it(`is decode-bound at ${100 * PHASE_SHARE} % decode share, prefill-bound at ${100 * PHASE_SHARE} % prefill`, () => {
    expect(judgePhase(phases(40, 60))).toMatchObject({ status: 'found', verdict: 'decode-bound' });
    // Larger batches only where requests waited and the KV cache had room.
    expect(judgePhase(phases(40, 60), { queueing: true }).tryNext[0]).toMatch(/raise --max-num-seqs/);
    expect(judgePhase(phases(40, 60)).tryNext.join(' ')).not.toMatch(/--max-num-seqs/);
    expect(judgePhase(phases(40, 60), { queueing: true, kvBound: true }).tryNext.join(' ')).not.toMatch(
      /--max-num-seqs/,
    );
    expect(judgePhase(phases(60, 40))).toMatchObject({ status: 'found', verdict: 'prefill-bound' });
    const balanced = judgePhase(phases(40.1, 59.9));
    expect(balanced).toMatchObject({ status: 'clear', verdict: 'neither phase dominates' });
    expect(balanced.figures.decodeShare).toBeCloseTo(0.599, 6);
    expect(judgePhase(phases(59.9, 40.1)).status).toBe('clear');
  });

  it('uses llama.cpp’s prompt and generation seconds', () => {
    const llama = metrics({
      engine: 'llamacpp',
      counters: {
        promptSeconds: { increase: 1, source: 'llamacpp:prompt_seconds_total' },
        generationSeconds: { increase: 9, source: 'llamacpp:tokens_predicted_seconds_total' },
      },
    });
    const f = judgePhase(point({ serverMetrics: llama }));
    expect(f).toMatchObject({ status: 'found', verdict: 'decode-bound', figures: { decodeShare: 0.9 } });
    expect(f.evidence[0]).toMatch(/prompt \/ generation seconds/);
  });

  it('is not judged without phase times', () => {
    expect(judgePhase(point({ serverMetrics: metrics() })).verdict).toBe(
      'not judged: the server reports no prefill and decode times',
    );
  });
});

describe('diagnose', () => {
  it('lists every rule and heads with the found verdicts, most fundamental first', () => {
    const d = diagnose(
      point({
        serverMetrics: metrics({
          gauges: { requestsWaiting: gauge(12, 30), kvCacheUsage: gauge(0.9, 1) },
          histograms: { prefillTime: histogram(50), decodeTime: histogram(950) },
        }),
        hostCpu: hostCpu(20),
        telemetry: gpuTelemetry([97]),
      }),
    );
    expect(d.verdict).toBe('KV-cache bound, queueing, decode-bound');
    expect(d.findings.map((f) => [f.rule, f.status])).toEqual([
      ['client', 'clear'],
      ['host-cpu', 'clear'],
      ['kv-cache', 'found'],
      ['queueing', 'found'],
      ['gpu-utilisation', 'clear'],
      ['phase', 'found'],
    ]);
    expect(diagnosisSchema.parse(d)).toEqual(d);
  });

  it('says "no bottleneck found" when nothing is, and never guesses without evidence', () => {
    const d = diagnose(point({ simulated: true }));
    expect(d.verdict).toBe('no bottleneck found');
    expect(d.findings.filter((f) => f.status === 'not-judged').map((f) => f.rule)).toEqual([
      'host-cpu',
      'kv-cache',
      'queueing',
      'gpu-utilisation',
      'phase',
    ]);
  });
});
