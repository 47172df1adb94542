import { runCapacity, useServer } from 'servebench';
import { describe, expect, it } from 'vitest';

/**
 * Saturation (seed 003, experiment 1): how much load does one GPU hold? The capacity search finds
 * the largest Poisson request rate at which 95 % of requests get their first token within 200 ms
 * (queue wait included) and stream at 50 ms per token or better. With a recorded baseline, a run
 * confirms the recorded answer instead of searching again (two probes); `-u` searches and re-records.
 */
describe('saturation: Llama-3.1-8B on one H100', () => {
  const server = useServer({
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    simGpu: 'H100',
    args: ['--max-num-seqs', '48'],
  });

  it('max request rate under the SLO', async () => {
    const capacity = await runCapacity(server, {
      profile: { dataset: { name: 'random', input_len: 1024, output_len: 128 }, ignoreEos: true },
      slo: { goodput: { ttft: 200, tpot: 50 }, attainment: 0.95 },
      search: { variable: 'request-rate', precision: 0.05, maxProbes: 16, maxRequests: 600 },
    });
    await expect(capacity).toMatchBaseline();
  });
});
