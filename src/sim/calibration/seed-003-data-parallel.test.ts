import { afterAll, describe, expect, it } from 'vitest';
import { type SimProcess, startSim } from '../process.ts';
import { metricValue } from '../testing/http.ts';
import { type RunSummary, runOpenLoop } from '../testing/stream-client.ts';
import { fixedLengths, poissonScheduleMs } from '../testing/workloads.ts';
import { seed003 } from './seeds.ts';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const sims: SimProcess[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
});

async function offered(
  rate: number,
  dataParallel: number,
  seed: number,
): Promise<{ run: RunSummary; metrics: string }> {
  const sim = await startSim([...seed003.args, '--data-parallel-size', String(dataParallel)]);
  sims.push(sim);
  const n = Math.round(rate * seed003.durationS);
  const run = await runOpenLoop({
    url: sim.url,
    model: MODEL,
    requests: fixedLengths(n, seed003.promptTokens, seed003.outputTokens),
    scheduleMs: poissonScheduleMs(n, rate, seed),
  });
  const metrics = await (await fetch(`${sim.url}/metrics`)).text();
  return { run, metrics };
}

describe('calibration: seed 003 (data parallel; Llama-3.1-8B on H100, max-num-seqs 48, 1024 in / 128 out)', () => {
  it('plateaus on 1 GPU and scales on 4 GPUs at 60 req/s offered', { timeout: 120_000 }, async () => {
    const [low, high] = await Promise.all([offered(10, 1, 1), offered(20, 1, 2)]);
    const dp = await offered(60, 4, 3);
    const row = (name: string, r: RunSummary) => ({
      run: name,
      throughput: +r.requestThroughput.toFixed(1),
      meanTtftMs: +r.meanTtft.toFixed(0),
      failed: r.failed,
    });
    console.table([row('1 GPU @10', low.run), row('1 GPU @20', high.run), row('4 GPU @60', dp.run)]);
    for (const r of [low.run, high.run, dp.run]) expect(r.failed).toBe(0);
    // 1 GPU: keeps up at 10 req/s, saturates at 13.7 +-25 % past 20 req/s with TTFT in the seconds.
    expect(low.run.requestThroughput).toBeGreaterThan(8);
    expect(low.run.meanTtft).toBeLessThan(300);
    expect(high.run.requestThroughput).toBeGreaterThanOrEqual(seed003.plateau * 0.75);
    expect(high.run.requestThroughput).toBeLessThanOrEqual(seed003.plateau * 1.25);
    expect(high.run.meanTtft).toBeGreaterThan(1000);
    // 4 GPUs: at least 2.3x the 1-GPU plateau at 60 req/s offered, TTFT under 300 ms.
    expect(dp.run.requestThroughput).toBeGreaterThanOrEqual(2.3 * seed003.plateau);
    expect(dp.run.meanTtft).toBeLessThan(300);
    // Every engine took a share, and the simulator kept real time under this load.
    for (let e = 0; e < 4; e++) {
      expect(metricValue(dp.metrics, 'vllm:request_success_total', `engine="${e}"`)).toBeGreaterThan(100);
    }
    const count = metricValue(dp.metrics, 'servebench:sim_step_lateness_seconds_count');
    expect(
      metricValue(dp.metrics, 'servebench:sim_step_lateness_seconds_bucket', 'le="0.005"') / count,
    ).toBeGreaterThan(0.99);
  });
});
