import { runServerSweep } from 'servebench';
import { describe, expect, it } from 'vitest';

/**
 * Does a second, third, fourth GPU pay off? Seed 003, experiment 2: Llama-3.1-8B with vLLM's data
 * parallelism on 1 and 4 GPUs, one server per configuration (each stopped before the next starts).
 * Each is searched for the largest Poisson rate at which 95 % of requests get their first token
 * within 200 ms and stream at 50 ms per token (saturation.test.ts's SLO); the answer is the scaling
 * efficiency cap_4 / (4 x cap_1) with the interval both capacity brackets allow. The common load
 * is the seed's heaviest, 60 req/s, where one GPU saturates and four keep up; the seed's
 * throughputs there are shown beside ours.
 */
describe('scaling: Llama-3.1-8B, data parallel on 1 and 4 H100s', () => {
  it('capacity under the SLO per GPU count', async () => {
    const sweep = await runServerSweep({
      kind: 'scaling',
      points: [1, 4].map((gpus) => ({
        x: gpus,
        server: {
          model: 'meta-llama/Llama-3.1-8B-Instruct',
          gpus,
          simGpu: 'H100',
          args: ['--data-parallel-size', String(gpus), '--max-num-seqs', '48'],
        },
      })),
      load: {
        arrival: { kind: 'poisson', rate: 60 },
        requests: 180,
        dataset: { name: 'random', input_len: 1024, output_len: 128 },
        ignoreEos: true,
      },
      slo: { goodput: { ttft: 200, tpot: 50 }, attainment: 0.95 },
      capacity: { search: { precision: 0.15, maxProbes: 8, maxRequests: 300 } },
      published: {
        source: 'seed 003: vLLM data parallel, 1 vs 4 GPUs, throughput at 60 req/s offered',
        note:
          'seed 003 names neither model, GPU nor request lengths; ours stands in with Llama-3.1-8B on simulated ' +
          'H100s, --max-num-seqs 48 and 1024/128 tokens (src/sim/calibration/seeds.ts), whose one-GPU plateau is ' +
          '15.6-15.9 req/s, 14-16 % above the seed’s 13.7: a chosen stand-in, not a fit. The seed’s four GPUs ' +
          'served 34 req/s of 60 offered with "no clear saturation" from one Python client, which may have ' +
          'capped it.',
        points: [
          { x: 1, requestThroughput: 13.7 },
          { x: 4, requestThroughput: 34 },
        ],
      },
    });
    // Four data-parallel GPUs hold well over twice one GPU's load (the seed saw 2.5x), where both
    // capacities were decided: a confirmation left undecided at the length cap answers nothing.
    const four = sweep.points.find((p) => p.x === 4);
    if (four?.efficiency) expect(four.efficiency.value).toBeGreaterThan(0.5);
    // A pull request fails when a load that held the SLO on a GPU count now fails (docs/gate.md).
    await expect(sweep).toMatchBaseline();
  });
});
