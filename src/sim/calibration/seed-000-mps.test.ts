import { afterAll, describe, expect, it } from 'vitest';
import { type SimProcess, startSim } from '../process.ts';
import { type RunSummary, runOpenLoop } from '../testing/stream-client.ts';
import { poissonScheduleMs, sharegptLike } from '../testing/workloads.ts';
import { seed000 } from './seeds.ts';

const sims: SimProcess[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
});

describe('calibration: seeds 000/001 (RTX 4090, Qwen2.5-1.5B, ShareGPT-like, 100 prompts at 4 req/s, MPS %)', () => {
  it('reproduces throughput, TTFT and ITL across MPS active thread percentages', {
    timeout: 120_000,
  }, async () => {
    const requests = sharegptLike(seed000.prompts, seed000.workloadSeed);
    const schedule = poissonScheduleMs(seed000.prompts, seed000.rate, seed000.workloadSeed);
    // The five percentages run side by side, one simulator each (independent GPUs).
    const results: RunSummary[] = await Promise.all(
      seed000.mps.map(async (mps) => {
        const sim = await startSim([...seed000.args, '--mps-active-thread-percentage', String(mps)]);
        sims.push(sim);
        return runOpenLoop({
          url: sim.url,
          model: 'Qwen/Qwen2.5-1.5B-Instruct',
          requests,
          scheduleMs: schedule,
        });
      }),
    );
    const table = results.map((r, i) => ({
      mps: seed000.mps[i],
      throughput: +r.requestThroughput.toFixed(2),
      seedThroughput: seed000.throughput[i],
      ttftMs: +r.meanTtft.toFixed(2),
      seedTtftMs: seed000.meanTtftMs[i],
      itlMs: +r.meanItl.toFixed(2),
      seedItlMs: seed000.meanItlMs[i],
    }));
    console.table(table);
    for (const r of results) {
      expect(r.failed).toBe(0);
      expect(r.requestThroughput).toBeGreaterThanOrEqual(3.3);
      expect(r.requestThroughput).toBeLessThanOrEqual(3.7);
    }
    const at20 = results[0] as RunSummary;
    const at100 = results[4] as RunSummary;
    expect(Math.abs(at100.meanTtft - 17.21) / 17.21).toBeLessThan(0.3);
    const ttftRatio = at20.meanTtft / at100.meanTtft;
    const itlRatio = at20.meanItl / at100.meanItl;
    expect(ttftRatio).toBeGreaterThanOrEqual(2.0);
    expect(ttftRatio).toBeLessThanOrEqual(3.0);
    expect(itlRatio).toBeGreaterThanOrEqual(1.1);
    expect(itlRatio).toBeLessThanOrEqual(1.5);
  });
});
