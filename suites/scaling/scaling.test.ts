import { runLoad, useServer } from 'servebench';
import { describe, expect, it } from 'vitest';

/**
 * Scaling across GPUs with data parallelism (seed 003): the same offered loads against one GPU
 * and against four. One GPU saturates; four keep up at rates past the single GPU's knee.
 */
const rates = [10, 20, 40, 60];
const profile = (rate: number) =>
  ({
    arrival: { kind: 'poisson', rate },
    requests: Math.round(rate * 4),
    dataset: { name: 'random', input_len: 1024, output_len: 128 },
    ignoreEos: true,
  }) as const;

for (const gpus of [1, 4]) {
  describe(`scaling: Llama-3.1-8B, data parallel on ${gpus} GPU(s)`, () => {
    const server = useServer({
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      gpus,
      simGpu: 'H100',
      args: ['--data-parallel-size', String(gpus), '--max-num-seqs', '48'],
    });

    it.each(rates)('%i req/s offered', async (rate) => {
      const result = await runLoad(server, profile(rate), { x: rate, xLabel: 'offered req/s' });
      await expect(result).toMatchBaseline();
    });
  });
}
