import { runServerSweep } from 'servebench';
import { describe, expect, it } from 'vitest';

/**
 * How much compute does an LLM server need to keep its latency? Seeds 000/001: Qwen2.5-1.5B on an
 * RTX 4090 at 4 req/s of ShareGPT-like prompts while CUDA_MPS_ACTIVE_THREAD_PERCENTAGE limits the
 * SMs, one server per percentage (each stopped before the next starts). Throughput holds; TTFT
 * (compute-bound prefill) rises much more than ITL (memory-bound decode). The answer is the elbow:
 * the least share that still meets an interactive SLO. The seed's own table is shown beside ours.
 */
describe('mps: Qwen2.5-1.5B on an RTX 4090 at 4 req/s', () => {
  it('least MPS share that keeps TTFT interactive', async () => {
    const sweep = await runServerSweep({
      kind: 'mps',
      points: [20, 40, 60, 80, 100].map((percentage) => ({
        x: percentage,
        server: {
          model: 'Qwen/Qwen2.5-1.5B-Instruct',
          simGpu: 'RTX-4090',
          mpsActiveThreadPercentage: percentage,
          args: ['--max-num-seqs', '256'],
        },
      })),
      // The seed's load: 100 ShareGPT prompts at 4 req/s.
      load: {
        arrival: { kind: 'poisson', rate: 4 },
        requests: 100,
        dataset: { name: 'sharegpt', path: 'fixtures/sharegpt-small.json' },
      },
      slo: { goodput: { ttft: 60 }, attainment: 0.9 },
      published: {
        source: 'seed 000: vLLM on an RTX 4090 (Kubernetes, DRA, MPS), lab baseline',
        note:
          'the seed measured vLLM on a real RTX 4090 over the full ShareGPT set; ours is servebench’s simulator, ' +
          'calibrated to that table (src/sim/calibration), serving the small ShareGPT-like fixture.',
        points: [
          { x: 20, requestThroughput: 3.47, meanTtftMs: 42.97, meanItlMs: 7.0 },
          { x: 40, requestThroughput: 3.56, meanTtftMs: 25.5, meanItlMs: 5.77 },
          { x: 60, requestThroughput: 3.57, meanTtftMs: 21.12, meanItlMs: 5.5 },
          { x: 80, requestThroughput: 3.58, meanTtftMs: 17.95, meanItlMs: 5.25 },
          { x: 100, requestThroughput: 3.57, meanTtftMs: 17.21, meanItlMs: 5.48 },
        ],
      },
    });
    // Throughput holds at every share: the load, not the SMs, sets it.
    for (const point of sweep.points) expect(point.ratios.throughput, point.label).toBeGreaterThan(0.9);
    expect(sweep.elbow).not.toBeNull();
  });
});
