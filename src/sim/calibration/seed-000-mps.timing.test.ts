import { afterAll, describe, expect, it } from 'vitest';
import { latency, loadSim, workloadDir, writeJsonlWorkload } from '../../../test/helpers/sim/load.ts';
import { sharegptLike } from '../../../test/helpers/sim/workloads.ts';
import type { LoadResult } from '../../load/run-load.ts';
import { type SimProcess, startSims } from '../process.ts';
import { seed000 } from './seeds.ts';

const MODEL = 'Qwen/Qwen2.5-1.5B-Instruct';
const sims: SimProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all([...sims.map((s) => s.stop()), ...cleanups.map((c) => c())]);
});

describe('calibration: seeds 000/001 (RTX 4090, Qwen2.5-1.5B, ShareGPT-like, 100 prompts at 4 req/s, MPS %)', () => {
  it('reproduces throughput, TTFT and ITL across MPS active thread percentages', {
    timeout: 120_000,
  }, async () => {
    // ShareGPT-like lengths (log-normal, vLLM's filters) as a JSONL file sent in order.
    const dir = await workloadDir();
    cleanups.push(dir.remove);
    const path = await writeJsonlWorkload(
      dir.path,
      'sharegpt-like',
      sharegptLike(seed000.prompts, seed000.workloadSeed),
    );
    // The five percentages run side by side, one simulator each (independent GPUs), each driven
    // by its own runLoad. All simulators start before any load does: a process booting beside a
    // run delays its first sends past the 10 ms lateness that makes a run invalid. If one of them
    // fails to start, startSims stops the others (a plain Promise.all left them running).
    const started = await startSims(
      seed000.mps.map((mps) => [...seed000.args, '--mps-active-thread-percentage', String(mps)]),
    );
    sims.push(...started);
    const results: LoadResult[] = await Promise.all(
      started.map((sim) =>
        loadSim({
          baseUrl: sim.url,
          model: MODEL,
          arrival: { kind: 'poisson', rate: seed000.rate },
          requests: seed000.prompts,
          seed: seed000.arrivalSeed,
          dataset: { name: 'jsonl', path, shuffle: false },
          ignoreEos: true,
        }),
      ),
    );
    const summaries = results.map((r) => r.summary);
    console.table(
      summaries.map((s, i) => ({
        mps: seed000.mps[i],
        throughput: +s.request_throughput.toFixed(2),
        seedThroughput: seed000.throughput[i],
        ttftMs: +latency(s, 'mean', 'ttft').toFixed(2),
        seedTtftMs: seed000.meanTtftMs[i],
        itlMs: +latency(s, 'mean', 'itl').toFixed(2),
        seedItlMs: seed000.meanItlMs[i],
        lateP99Ms: +s.client_lateness_p99_ms.toFixed(2),
      })),
    );
    for (const s of summaries) {
      // A client that fell behind its schedule (or lost requests) makes the run invalid.
      expect(s.invalid_reasons).toEqual([]);
      expect(s.valid).toBe(true);
      expect(s.completed).toBe(seed000.prompts);
      expect(s.failed).toBe(0);
      expect(s.request_throughput).toBeGreaterThanOrEqual(3.3);
      // Sends span exactly 25 s (vLLM's rescaling); the last requests' latency adds ~2 s here.
      expect(s.request_throughput).toBeLessThanOrEqual(3.8);
    }
    const ttft = summaries.map((s) => latency(s, 'mean', 'ttft'));
    const itl = summaries.map((s) => latency(s, 'mean', 'itl'));
    const [ttft20, ttft100] = [ttft[0] as number, ttft[4] as number];
    const [itl20, itl100] = [itl[0] as number, itl[4] as number];
    expect(Math.abs(ttft100 - 17.21) / 17.21).toBeLessThan(0.3);
    expect(ttft20 / ttft100).toBeGreaterThanOrEqual(2.0);
    expect(ttft20 / ttft100).toBeLessThanOrEqual(3.0);
    expect(itl20 / itl100).toBeGreaterThanOrEqual(1.1);
    expect(itl20 / itl100).toBeLessThanOrEqual(1.5);
  });
});
