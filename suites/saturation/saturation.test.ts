import { runLoad, useServer } from 'servebench';
import { describe, expect, it } from 'vitest';

/**
 * Saturation (seed 003, experiment 1): how much load does one GPU hold? Poisson load rises past
 * the knee; throughput plateaus while p99 TTFT climbs from tens of ms to seconds. The SLO test
 * states the operating point: p99 TTFT under 200 ms at 10 req/s.
 */
describe('saturation: Llama-3.1-8B on one H100', () => {
  const server = useServer({
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    simGpu: 'H100',
    args: ['--max-num-seqs', '48'],
  });
  const profile = (rate: number) =>
    ({
      arrival: { kind: 'poisson', rate },
      requests: Math.round(rate * 5),
      dataset: { name: 'random', input_len: 1024, output_len: 128 },
      ignoreEos: true,
      goodput: { ttft: 200, tpot: 50 },
    }) as const;

  it.each([5, 10, 15, 20, 30])('%i req/s offered', async (rate) => {
    const result = await runLoad(server, profile(rate), { x: rate, xLabel: 'offered req/s' });
    await expect(result).toMatchBaseline();
  });

  it('holds p99 TTFT under 200 ms at 10 req/s', async () => {
    const result = await runLoad(server, profile(10));
    expect(result).toMeetSLO({ ttft: { p99: 200 }, tpot: { p99: 50 }, errorRate: 0.01 });
  });
});
