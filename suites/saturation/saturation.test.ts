import { describe, expect, it } from 'vitest';
import { runLoad, useServer } from '../../src/index.ts';

/**
 * Saturation: how many req/s does one GPU hold under p99 TTFT 200 ms? Offered Poisson load rises
 * past the saturation point (seed 003: one GPU plateaus near 13.7 req/s). Each rate is one test,
 * so the report gets a throughput / latency curve; the SLO holds below the knee only.
 */
describe('saturation: Qwen2.5-1.5B on one H100', () => {
  const server = useServer({
    model: 'Qwen/Qwen2.5-1.5B-Instruct',
    simGpu: 'H100',
    args: ['--max-num-seqs', '256'],
  });
  const profile = (rate: number) =>
    ({
      arrival: { kind: 'poisson', rate },
      requests: Math.round(rate * 6),
      dataset: { name: 'random', input_len: 1024, output_len: 128 },
      ignoreEos: true,
      goodput: { ttft: 200, tpot: 50 },
    }) as const;

  it.each([4, 8, 16, 32])('%i req/s offered', async (rate) => {
    const result = await runLoad(server, profile(rate), { x: rate, xLabel: 'offered req/s' });
    await expect(result).toMatchBaseline();
  });

  it('p99 TTFT under 200 ms at 8 req/s', async () => {
    const result = await runLoad(server, profile(8), { x: 8, xLabel: 'offered req/s' });
    expect(result).toMeetSLO({ ttft: { p99: 200 }, tpot: { p99: 50 }, errorRate: 0.01 });
  });
});
