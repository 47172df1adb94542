import { afterAll, describe, expect, it } from 'vitest';
import { metricValue } from '../../../test/helpers/sim/http.ts';
import { latency, loadSim } from '../../../test/helpers/sim/load.ts';
import type { LoadResult } from '../../load/run-load.ts';
import type { BenchmarkSummary } from '../../metrics/summarize.ts';
import {
  type SimStepCounters,
  simLateness,
  simLatenessReasons,
  simStepCounters,
} from '../../telemetry/sim-lateness.ts';
import { type SimProcess, startSim, startSims } from '../process.ts';
import { seed003 } from './seeds.ts';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const sims: SimProcess[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
});

async function simWith(dataParallel: number): Promise<SimProcess> {
  const sim = await startSim([...seed003.args, '--data-parallel-size', String(dataParallel)]);
  sims.push(sim);
  return sim;
}

/** `rate` req/s Poisson for `durationS` worth of requests, then the simulator's /metrics. */
async function offered(
  sim: SimProcess,
  rate: number,
  seed: number,
  durationS: number = seed003.durationS,
): Promise<{ run: LoadResult; metrics: string }> {
  const run = await loadSim({
    baseUrl: sim.url,
    model: MODEL,
    arrival: { kind: 'poisson', rate },
    requests: Math.round(rate * durationS),
    seed,
    // vLLM's random dataset: token-ID prompts of exactly input_len tokens, output_len outputs.
    dataset: { name: 'random', input_len: seed003.promptTokens, output_len: seed003.outputTokens },
    ignoreEos: true,
    // What this test checks (a 2.3x throughput ratio, TTFT under 300 ms vs over 1000 ms) cannot
    // move with sends a few tens of ms late; the 10 ms default tripped at 12.7 ms with four busy
    // processes beside four simulators on 2 cores, turning a busy host into a failure.
    maxLatenessP99Ms: 30,
  });
  const metrics = await (await fetch(`${sim.url}/metrics`)).text();
  return { run, metrics };
}

describe('calibration: seed 003 (data parallel; Llama-3.1-8B on H100, max-num-seqs 48, 1024 in / 128 out)', () => {
  it('plateaus on 1 GPU and scales on 4 GPUs at 60 req/s offered', { timeout: 150_000 }, async () => {
    // The two 1-GPU runs side by side (both simulators up before either run starts), then the
    // 4-GPU run alone, as the real-time check below wants.
    const pair = await startSims([1, 1].map((dp) => [...seed003.args, '--data-parallel-size', String(dp)]));
    sims.push(...pair);
    const [one, other] = pair as [SimProcess, SimProcess];
    const [low, high] = await Promise.all([
      offered(one, 10, 1),
      offered(other, 20, 2, seed003.saturatedDurationS),
    ]);
    await Promise.all([one.stop(), other.stop()]);
    const dp = await offered(await simWith(4), 60, 3);
    const row = (name: string, s: BenchmarkSummary) => ({
      run: name,
      requests: s.completed + s.failed,
      throughput: +s.request_throughput.toFixed(1),
      meanTtftMs: +latency(s, 'mean', 'ttft').toFixed(0),
      p99TtftMs: +latency(s, 'p99', 'ttft').toFixed(0),
      failed: s.failed,
      lateP99Ms: +s.client_lateness_p99_ms.toFixed(2),
    });
    const [l, h, d] = [low.run.summary, high.run.summary, dp.run.summary];
    console.table([row('1 GPU @10', l), row('1 GPU @20', h), row('4 GPU @60', d)]);
    for (const s of [l, h, d]) {
      expect(s.invalid_reasons).toEqual([]);
      expect(s.valid).toBe(true);
      expect(s.failed).toBe(0);
    }
    // 1 GPU: keeps up at 10 req/s, saturates at 13.7 +-25 % past 20 req/s with TTFT in the seconds.
    expect(l.request_throughput).toBeGreaterThan(8);
    expect(latency(l, 'mean', 'ttft')).toBeLessThan(300);
    expect(h.request_throughput).toBeGreaterThanOrEqual(seed003.plateau * 0.75);
    expect(h.request_throughput).toBeLessThanOrEqual(seed003.plateau * 1.25);
    expect(latency(h, 'mean', 'ttft')).toBeGreaterThan(1000);
    // 4 GPUs: at least 2.3x the 1-GPU plateau at 60 req/s offered, TTFT under 300 ms.
    expect(d.request_throughput).toBeGreaterThanOrEqual(2.3 * seed003.plateau);
    expect(latency(d, 'mean', 'ttft')).toBeLessThan(300);
    // Every engine took a share, and the simulator kept real time under this load.
    for (let e = 0; e < 4; e++) {
      expect(metricValue(dp.metrics, 'vllm:request_success_total', `engine="${e}"`)).toBeGreaterThan(100);
    }
    // Held to the rule every simulated run is (telemetry/sim-lateness.ts), not a stricter one a busy host breaks.
    const counters = simStepCounters(dp.metrics);
    expect(counters).not.toBeNull();
    const fresh = { steps: 0, modelledS: 0, lostS: 0, buckets: [] };
    expect(
      simLatenessReasons(simLateness(fresh, counters as SimStepCounters), { maxLatenessP99Ms: 10 }),
    ).toEqual([]);
  });
});
