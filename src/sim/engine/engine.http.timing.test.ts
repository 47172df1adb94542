import { afterAll, describe, expect, it } from 'vitest';
import { getJson, metricValue, postJson } from '../../../test/helpers/sim/http.ts';
import { promptOf } from '../../../test/helpers/sim/workloads.ts';
import {
  MAX_LOST_SHARE,
  type SimStepCounters,
  simLateness,
  simLatenessReasons,
  simStepCounters,
} from '../../telemetry/sim-lateness.ts';
import { type SimProcess, startSim } from '../process.ts';

const started: SimProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
});
async function sim(args: string[]): Promise<SimProcess> {
  const s = await startSim(args);
  started.push(s);
  return s;
}

describe('engines behind the HTTP front end', () => {
  it('routes data-parallel requests to the least-loaded engine', async () => {
    const s = await sim([
      '--gpu',
      'H100',
      '--model',
      'Qwen/Qwen2.5-0.5B-Instruct',
      '--data-parallel-size',
      '4',
    ]);
    const pending = Array.from({ length: 8 }, (_, i) =>
      postJson(`${s.url}/v1/completions`, { prompt: promptOf(20, i), max_tokens: 400, ignore_eos: true }),
    );
    await new Promise((r) => setTimeout(r, 300));
    const text = await (await fetch(`${s.url}/metrics`)).text();
    for (let e = 0; e < 4; e++)
      expect(metricValue(text, 'vllm:num_requests_running', `engine="${e}"`)).toBe(2);
    const done = await Promise.all(pending);
    expect(done.every((r) => r.status === 200 && r.json.usage.completion_tokens === 400)).toBe(true);
    const after = await (await fetch(`${s.url}/metrics`)).text();
    for (let e = 0; e < 4; e++) {
      expect(metricValue(after, 'vllm:request_success_total', `engine="${e}"`)).toBe(2);
    }
  });

  it('preempts by recompute when the KV cache runs out and still completes every request', async () => {
    // 0.1665 of a 24 GiB RTX 4090 leaves ~4,100 tokens of KV after Qwen2.5-1.5B's weights.
    const s = await sim([
      '--gpu',
      'RTX-4090',
      '--gpu-memory-utilization',
      '0.1665',
      '--max-model-len',
      '2048',
    ]);
    const version = await getJson(`${s.url}/version`);
    const kvTokens = version.simulator.kv_cache_tokens_per_engine as number;
    expect(kvTokens).toBeGreaterThan(2048);
    expect(kvTokens).toBeLessThan(6000);
    const n = 8;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        postJson(`${s.url}/v1/completions`, { prompt: promptOf(300, i), max_tokens: 500, ignore_eos: true }),
      ),
    );
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.json.usage).toMatchObject({ prompt_tokens: 300, completion_tokens: 500 });
    }
    const text = await (await fetch(`${s.url}/metrics`)).text();
    expect(metricValue(text, 'vllm:num_preemptions_total')).toBeGreaterThan(0);
    expect(metricValue(text, 'vllm:kv_cache_usage_perc')).toBe(0);
    expect(metricValue(text, 'vllm:request_success_total', 'finished_reason="length"')).toBe(n);
  });

  it('keeps real time: tokens arrive at the modelled pace and step lateness stays small', async () => {
    const s = await sim(['--gpu', 'RTX-4090', '--max-model-len', '2048']);
    const t0 = performance.now();
    const r = await postJson(`${s.url}/v1/completions`, {
      prompt: promptOf(10, 1),
      max_tokens: 200,
      ignore_eos: true,
    });
    const elapsed = performance.now() - t0;
    expect(r.status).toBe(200);
    const text = await (await fetch(`${s.url}/metrics`)).text();
    const modelled = metricValue(text, 'servebench:sim_step_duration_seconds_sum') * 1000;
    const steps = metricValue(text, 'servebench:sim_steps_total');
    expect(steps).toBe(200);
    // Wall time follows the model (no drift from timer granularity): it loses no more than the
    // share of its modelled time a simulated run may lose before it is invalid (sim-lateness.ts),
    // and its step timing passes that same check.
    expect(elapsed).toBeGreaterThan(modelled);
    expect(elapsed - modelled).toBeLessThan(MAX_LOST_SHARE * modelled + 20);
    const counters = simStepCounters(text) as SimStepCounters;
    const fresh = { steps: 0, modelledS: 0, lostS: 0, buckets: [] };
    expect(simLatenessReasons(simLateness(fresh, counters), { maxLatenessP99Ms: 10 })).toEqual([]);
  });
});
