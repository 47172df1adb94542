import { runServerSweep, startServers } from 'servebench';
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
      // The seed's load: 100 ShareGPT-shaped requests at 4 req/s (vLLM's rescaled Poisson schedule),
      // prompt and output lengths as ShareGPT's (scripts/generate-sharegpt-like.ts), sent in order.
      load: {
        arrival: { kind: 'poisson', rate: 4 },
        requests: 100,
        seed: 14,
        dataset: { name: 'jsonl', path: 'fixtures/sharegpt-like-seed000.jsonl', shuffle: false },
        ignoreEos: true,
      },
      slo: { goodput: { ttft: 60 }, attainment: 0.9 },
      published: {
        source: 'seed 000: vLLM on an RTX 4090 (Kubernetes, DRA, MPS), lab baseline',
        note:
          'the seed measured vLLM on a real RTX 4090 over the ShareGPT set; ours is servebench’s simulator, ' +
          'calibrated to that table (src/sim/calibration), serving requests of ShareGPT-like lengths.',
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
    // A pull request fails when a share that held the SLO now clearly fails it (docs/gate.md).
    await expect(sweep).toMatchBaseline();
  });

  // Seed 001's functional check: two servers share one GPU, each held to 50 % of its SMs, and both
  // answer while the other is busy (on a GPU the process target starts the MPS daemon they share).
  it('two servers share one GPU at 50 % each', async () => {
    const servers = await startServers(
      ['a', 'b'].map((name) => ({
        model: 'Qwen/Qwen2.5-1.5B-Instruct',
        simGpu: 'RTX-4090',
        mpsActiveThreadPercentage: 50,
        args: ['--max-num-seqs', '256', '--served-model-name', `qwen-${name}`],
      })),
    );
    try {
      const ask = (url: string, model: string) =>
        fetch(`${url}/v1/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model, prompt: 'Hello, my name is', max_tokens: 16 }),
          signal: AbortSignal.timeout(60_000),
        }).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as { choices?: Array<{ text: string }> },
        }));
      const answers = await Promise.all(
        servers.map((s, i) => ask(s.info?.url ?? '', `qwen-${i === 0 ? 'a' : 'b'}`)),
      );
      expect(new Set(servers.map((s) => s.info?.url)).size).toBe(2);
      for (const a of answers) {
        expect(a.status).toBe(200);
        expect(a.body.choices?.[0]?.text.length).toBeGreaterThan(0);
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  });
});
