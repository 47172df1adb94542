import { afterAll, describe, expect, it } from 'vitest';
import { type SimProcess, startSim } from '../process.ts';
import { type RunSummary, runClosedLoop } from '../testing/stream-client.ts';
import { fixedLengths } from '../testing/workloads.ts';
import { seed004 } from './seeds.ts';

const sims: SimProcess[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
});

describe('calibration: seed 004 (RTX 4090, Qwen2.5-1.5B, max-num-seqs 16, closed loop)', () => {
  it('reproduces output tok/s per concurrency and the TTFT cliff past max-num-seqs', {
    timeout: 120_000,
  }, async () => {
    const requests = fixedLengths(seed004.requests, seed004.promptTokens, seed004.maxTokens);
    // Each concurrency level gets its own simulator so that the levels can run side by side.
    const results: RunSummary[] = await Promise.all(
      seed004.concurrency.map(async (concurrency) => {
        const sim = await startSim([...seed004.args]);
        sims.push(sim);
        return runClosedLoop({ url: sim.url, model: 'Qwen/Qwen2.5-1.5B-Instruct', requests, concurrency });
      }),
    );
    console.table(
      results.map((r, i) => ({
        concurrency: seed004.concurrency[i],
        outputTps: +r.outputThroughput.toFixed(1),
        seedTps: seed004.outputTps[i],
        meanTtftMs: +r.meanTtft.toFixed(1),
        p99TtftMs: +r.p99Ttft.toFixed(1),
        seedP99TtftMs: seed004.p99TtftMs[i],
      })),
    );
    results.forEach((r, i) => {
      expect(r.failed).toBe(0);
      const seed = seed004.outputTps[i] as number;
      expect(Math.abs(r.outputThroughput - seed) / seed).toBeLessThan(0.3);
    });
    const c16 = results[4] as RunSummary;
    const c32 = results[5] as RunSummary;
    expect(c32.outputThroughput).toBeLessThanOrEqual(1.1 * c16.outputThroughput);
    expect(c32.p99Ttft).toBeGreaterThanOrEqual(5 * c16.p99Ttft);
  });
});
