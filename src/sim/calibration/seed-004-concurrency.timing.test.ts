import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { latency, loadSim, workloadDir } from '../../../test/helpers/sim/load.ts';
import type { LoadResult } from '../../load/run-load.ts';
import { type SimProcess, startSims } from '../process.ts';
import { seed004 } from './seeds.ts';

const MODEL = 'Qwen/Qwen2.5-1.5B-Instruct';
const sims: SimProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all([...sims.map((s) => s.stop()), ...cleanups.map((c) => c())]);
});

describe('calibration: seed 004 (RTX 4090, Qwen2.5-1.5B, max-num-seqs 16, closed loop)', () => {
  it('reproduces output tok/s per concurrency and the TTFT cliff past max-num-seqs', {
    timeout: 120_000,
  }, async () => {
    // The seed's load generator sends one fixed prompt with max_tokens 100: a one-line JSONL file.
    const dir = await workloadDir();
    cleanups.push(dir.remove);
    const path = join(dir.path, 'relativity.jsonl');
    await writeFile(
      path,
      `${JSON.stringify({ prompt: seed004.prompt, output_tokens: seed004.maxTokens })}\n`,
    );
    // Each concurrency level gets its own simulator, all started before any load. The seed ran
    // the levels one after another; one after another here would take ~50 s (c=1 alone takes
    // ~23 s), so three lanes run side by side: c=1, c=2, and c=32 -> 16 -> 8 -> 4. The levels
    // that the assertions compare closely (16 and 32) never share the 2 cores with each other.
    const started = await startSims(seed004.concurrency.map(() => [...seed004.args]));
    sims.push(...started);
    const byLevel = new Map<number, LoadResult>();
    const lanes = [[1], [2], [32, 16, 8, 4]];
    await Promise.all(
      lanes.map(async (lane) => {
        for (const concurrency of lane) {
          const sim = started[(seed004.concurrency as readonly number[]).indexOf(concurrency)] as SimProcess;
          const result = await loadSim({
            baseUrl: sim.url,
            model: MODEL,
            arrival: { kind: 'concurrency', concurrency },
            requests: seed004.requests,
            dataset: { name: 'jsonl', path, shuffle: false },
            ignoreEos: true,
          });
          byLevel.set(concurrency, result);
        }
      }),
    );
    const results = seed004.concurrency.map((c) => byLevel.get(c) as LoadResult);
    const summaries = results.map((r) => r.summary);
    console.table(
      summaries.map((s, i) => ({
        concurrency: seed004.concurrency[i],
        outputTps: +s.output_throughput.toFixed(1),
        seedTps: seed004.outputTps[i],
        meanTtftMs: +latency(s, 'mean', 'ttft').toFixed(1),
        seedMeanTtftMs: seed004.meanTtftMs[i],
        p99TtftMs: +latency(s, 'p99', 'ttft').toFixed(1),
        seedP99TtftMs: seed004.p99TtftMs[i],
      })),
    );
    summaries.forEach((s, i) => {
      expect(s.invalid_reasons).toEqual([]);
      expect(s.valid).toBe(true);
      expect(s.completed).toBe(seed004.requests);
      expect(s.failed).toBe(0);
      expect(s.total_input_tokens).toBe(seed004.requests * seed004.promptTokens);
      expect(s.total_output_tokens).toBe(seed004.requests * seed004.maxTokens);
      const seed = seed004.outputTps[i] as number;
      expect(Math.abs(s.output_throughput - seed) / seed).toBeLessThan(0.3);
    });
    const c16 = summaries[4] as LoadResult['summary'];
    const c32 = summaries[5] as LoadResult['summary'];
    expect(c32.output_throughput).toBeLessThanOrEqual(1.1 * c16.output_throughput);
    expect(latency(c32, 'p99', 'ttft')).toBeGreaterThanOrEqual(5 * latency(c16, 'p99', 'ttft'));
  });
});
