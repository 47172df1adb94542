import { type DatasetSpecInput, type ExperimentResult, runLoad, startServer } from 'servebench';
import { afterAll, describe, expect, it } from 'vitest';

/** Requests per point (seed 000: 100); SERVEBENCH_GPU_REQUESTS makes a quick plumbing run. */
const REQUESTS = Number(process.env.SERVEBENCH_GPU_REQUESTS ?? 100);

/**
 * Seed 000's MPS sweep on a real GPU: the stand-in (Qwen2.5-1.5B-shaped) at 4 req/s while
 * CUDA_MPS_ACTIVE_THREAD_PERCENTAGE limits its SMs. The process target starts an MPS control daemon
 * of its own for these servers and quits it when they stop. Expected shape: TTFT (compute-bound
 * prefill) rises at low percentages, ITL (memory-bound decode) much less, and the throughput at
 * 4 req/s holds. An H100 prefills ShareGPT's short prompts in a few ms, so a second sweep with
 * 1024-token prompts shows the prefill side as clearly as seed 000's RTX 4090 did.
 */
function mpsSweep(name: string, dataset: DatasetSpecInput) {
  describe(name, () => {
    const results = new Map<number, ExperimentResult>();

    for (const percentage of [20, 40, 60, 80, 100]) {
      it(`${percentage}% active threads`, async () => {
        // The same spec in both sweeps: the second one reuses the first one's servers.
        const server = await startServer({
          model: 'Qwen/Qwen2.5-1.5B-Instruct',
          mpsActiveThreadPercentage: percentage,
          // Five servers share the GPU until this file ends: keep each one's KV cache and graphs small.
          args: ['--max-num-seqs', '64', '--max-num-batched-tokens', '4096', '--kv-cache-tokens', '32768'],
        });
        const result = await runLoad(
          server,
          { arrival: { kind: 'poisson', rate: 4 }, requests: REQUESTS, dataset },
          { x: percentage, xLabel: 'MPS active thread %' },
        );
        results.set(percentage, result);
        // Throughput over a handful of requests is noise: only a full run is held to it.
        expect(result).toMeetSLO(REQUESTS >= 50 ? { errorRate: 0, minThroughput: 3 } : { errorRate: 0 });
        await expect(result).toMatchBaseline();
      });
    }

    afterAll(() => {
      const full = results.get(100);
      if (!full) return;
      const s = (r: ExperimentResult, key: string) =>
        (r.summary as unknown as Record<string, number>)[key] ?? Number.NaN;
      const lines = ['MPS % | req/s | mean TTFT ms | mean ITL ms | TTFT / 100% | ITL / 100% | req/s / 100%'];
      for (const [p, r] of [...results].sort((a, b) => a[0] - b[0])) {
        const ratio = (key: string) => (s(r, key) / s(full, key)).toFixed(2);
        lines.push(
          `${p} | ${s(r, 'request_throughput').toFixed(2)} | ${s(r, 'mean_ttft_ms').toFixed(2)} | ${s(r, 'mean_itl_ms').toFixed(2)} | ` +
            `${ratio('mean_ttft_ms')} | ${ratio('mean_itl_ms')} | ${ratio('request_throughput')}`,
        );
      }
      console.log(`[gpu mps] ${name}: ratios against 100%:\n${lines.join('\n')}`);
    });
  });
}

mpsSweep('gpu mps: stand-in Qwen2.5-1.5B at 4 req/s', {
  name: 'sharegpt',
  path: 'fixtures/sharegpt-small.json',
});
mpsSweep('gpu mps: stand-in Qwen2.5-1.5B at 4 req/s, 1024-token prompts', {
  name: 'random',
  input_len: 1024,
  output_len: 128,
});
