import { runLoad, startServer } from 'servebench';
import { describe, expect, it } from 'vitest';

/**
 * MPS thread-percentage sweep (seeds 000/001): Qwen2.5-1.5B on an RTX 4090 at 4 req/s of
 * ShareGPT-like prompts while CUDA_MPS_ACTIVE_THREAD_PERCENTAGE limits the SMs. Throughput
 * holds; TTFT (compute-bound prefill) rises much more than ITL (memory-bound decode).
 * Each point needs its own server, so the tests start them.
 */
describe('mps: Qwen2.5-1.5B on an RTX 4090 at 4 req/s', () => {
  for (const percentage of [20, 40, 60, 80, 100]) {
    it(`${percentage}% active threads`, async () => {
      const server = await startServer({
        model: 'Qwen/Qwen2.5-1.5B-Instruct',
        simGpu: 'RTX-4090',
        mpsActiveThreadPercentage: percentage,
        args: ['--max-num-seqs', '256'],
      });
      const result = await runLoad(
        server,
        {
          arrival: { kind: 'poisson', rate: 4 },
          requests: 40,
          dataset: { name: 'sharegpt', path: 'fixtures/sharegpt-small.json' },
        },
        { x: percentage, xLabel: 'MPS active thread %' },
      );
      expect(result).toMeetSLO({ errorRate: 0, minThroughput: 3 });
      await expect(result).toMatchBaseline();
    });
  }
});
