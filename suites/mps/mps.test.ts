import { describe, expect, it } from 'vitest';
import { runLoad, useServer } from '../../src/index.ts';

/**
 * MPS thread-percentage sweep (seeds 000/001): Qwen2.5-1.5B on an RTX 4090 at 4 req/s of
 * ShareGPT-like prompts while CUDA_MPS_ACTIVE_THREAD_PERCENTAGE limits the SMs. Throughput
 * holds; TTFT (compute-bound prefill) rises much more than ITL (memory-bound decode).
 */
for (const percentage of [20, 40, 60, 80, 100]) {
  describe(`mps: ${percentage}% active threads`, () => {
    const server = useServer({
      model: 'Qwen/Qwen2.5-1.5B-Instruct',
      simGpu: 'RTX-4090',
      mpsActiveThreadPercentage: percentage,
      args: ['--max-num-seqs', '256'],
    });

    it('4 req/s ShareGPT', async () => {
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
  });
}
