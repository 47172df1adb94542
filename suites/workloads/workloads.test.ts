import { runLoad, runServerSweep, useServer } from 'servebench';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Seed 002's workload study (a vLLM report: per-phase latency over three datasets, Poisson arrival
 * rates 2/5/20 req/s, GPT-2/7B/13B models, 1/2/4 GPUs with tensor parallelism) as one suite whose
 * report answers its questions:
 *
 * 1. How does prompt length move latency between the server's phases? Short, medium and
 *    long-document prompts at the seed's medium rate, 5 req/s; the report's phase breakdown shows
 *    prefill time growing about 4x with the prompt, as in the seed, while decode (which grows with
 *    the output) keeps ~97 % of the time: the seed's 17-25 % prefill shares are not a GPU's.
 * 2. How does the arrival pattern move latency? Poisson at the seed's 2, 5 and 20 req/s (20 is past
 *    this server's capacity for these prompts, as it was past the seed's), then constant and bursty
 *    (gamma, burstiness 0.25) arrivals at 5 req/s.
 * 3. How does throughput fall with model size? One server per model, kept full (48 in flight), with the
 *    seed's throughputs beside ours as ratios to the smallest model.
 * 4. Does tensor parallelism pay off? Llama-3.1-8B at tensor-parallel 1, 2 and 4 under the same load,
 *    with the seed's 1.53 / 2.43 / 3.51 req/s beside ours. The simulator models tensor parallelism
 *    apart from data parallelism: weights and KV cache split per GPU, two all-reduces per layer over
 *    the GPUs' link (src/sim/perf/step-time.ts).
 *
 * The server of parts 1 and 2 is saturation.test.ts's (Llama-3.1-8B on one H100, --max-num-seqs 48).
 * The seed's CPU section is the report's host-CPU column; the simulator has no CPU-only mode.
 * On the simulator the suite takes about 2.5 minutes on 2 cores; on GPUs part 4 needs a lease of
 * four GPUs.
 */

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const SERVER = { model: MODEL, simGpu: 'H100', args: ['--max-num-seqs', '48'] };

/** The seed's three datasets: random 128/64 and 512/128, and C4 documents (768+ tokens, 192 out). */
const SHORT = { name: 'random', input_len: 128, output_len: 64 } as const;
const MEDIUM = { name: 'random', input_len: 512, output_len: 128 } as const;
/** scripts/generate-c4-like.ts: 12 web-page-like documents, 620-1,540 tokens (mean ~1,100), 192 out. */
const LONG = { name: 'jsonl', path: 'fixtures/c4-like-docs.jsonl' } as const;

/**
 * The plain points' gate: TTFTs here are 18-60 ms, of which ~5 ms is HTTP and the load client on
 * the host (docs/server-metrics.md), and that part follows the host's load (2 shared cores in CI:
 * +2 ms read as +12 % at 128-token prompts). TTFT medians and p90s get 20 %; TPOT, E2EL and
 * throughput keep the default 5 %.
 */
const GATE = { tolerance: { p50_ttft_ms: 0.2, p90_ttft_ms: 0.2 } } as const;

describe('workloads: where time goes as prompts grow (Llama-3.1-8B, one H100)', () => {
  const server = useServer(SERVER);
  // 50 requests: enough for the baseline to judge p90 (docs/gate.md).
  const at5 = { arrival: { kind: 'poisson', rate: 5 }, requests: 50 } as const;
  const xLabel = 'prompt tokens';

  it('short prompts: 128 in, 64 out', async () => {
    const result = await runLoad(server, { ...at5, dataset: SHORT }, { x: 128, xLabel });
    await expect(result).toMatchBaseline(GATE);
  });

  it('medium prompts: 512 in, 128 out', async () => {
    const result = await runLoad(server, { ...at5, dataset: MEDIUM }, { x: 512, xLabel });
    await expect(result).toMatchBaseline(GATE);
  });

  it('long documents (C4-like): ~1,100 in, 192 out', async () => {
    const result = await runLoad(server, { ...at5, dataset: LONG }, { x: 1100, xLabel });
    await expect(result).toMatchBaseline(GATE);
  });
});

describe('workloads: how arrivals move latency (Llama-3.1-8B, one H100)', () => {
  // The same server as above (same spec): stopped after this experiment, so that on GPUs the
  // sweeps below find the GPUs free.
  const server = useServer(SERVER);
  afterAll(() => server.stop());
  const xLabel = 'Poisson req/s';
  // Long documents: at 20 req/s they need more than the server's 48 sequences can turn over.
  const load = { dataset: LONG } as const;

  for (const rate of [2, 5, 20]) {
    it(`poisson ${rate} req/s`, async () => {
      const result = await runLoad(
        server,
        { ...load, arrival: { kind: 'poisson', rate }, requests: rate === 2 ? 30 : rate === 20 ? 120 : 60 },
        { x: rate, xLabel },
      );
      await expect(result).toMatchBaseline(GATE);
    });
  }

  it('constant 5 req/s', async () => {
    const result = await runLoad(server, { ...load, arrival: { kind: 'constant', rate: 5 }, requests: 60 });
    await expect(result).toMatchBaseline(GATE);
  });

  it('bursty 5 req/s (gamma 0.25)', async () => {
    const result = await runLoad(server, {
      ...load,
      arrival: { kind: 'gamma', rate: 5, burstiness: 0.25 },
      requests: 60,
    });
    await expect(result).toMatchBaseline(GATE);
  });
});

/**
 * The server kept full (vllm bench serve --request-rate inf --max-concurrency 48, its
 * --max-num-seqs): throughput is what it completes. 160 requests keep even the smallest model
 * busy for about two seconds, long enough for the simulator's own timing check on a busy host.
 */
const KEPT_FULL = {
  arrival: { kind: 'infinite' },
  maxConcurrency: 48,
  requests: 160,
  dataset: MEDIUM,
} as const;
/**
 * What the sweeps' baselines gate: 90 % of requests stream at 50 ms per output token or better
 * (requests wait in the client for a free slot, so TTFT is not judged). A model or
 * GPU count that held it when recorded and clearly fails it now is a regression.
 */
const STREAMING = { goodput: { tpot: 50 }, attainment: 0.9 } as const;

describe('workloads: throughput vs model size (one H100, server kept full)', () => {
  it('request throughput per model', async () => {
    const models = [
      { x: 0.49, label: 'Qwen2.5-0.5B', model: 'Qwen/Qwen2.5-0.5B-Instruct' },
      { x: 1.54, label: 'Qwen2.5-1.5B', model: 'Qwen/Qwen2.5-1.5B-Instruct' },
      { x: 7.62, label: 'Qwen2.5-7B', model: 'Qwen/Qwen2.5-7B-Instruct' },
      { x: 8.03, label: 'Llama-3.1-8B', model: MODEL },
    ];
    const sweep = await runServerSweep({
      kind: 'arguments',
      xLabel: 'billion parameters',
      // A larger model makes the SLO harder: the elbow is the largest model that still holds it.
      elbow: 'greatest',
      points: models.map(({ x, label, model }) => ({
        x,
        label,
        server: { model, simGpu: 'H100', args: ['--max-num-seqs', '48'] },
      })),
      load: KEPT_FULL,
      slo: STREAMING,
      published: {
        source: 'seed 002: vLLM, GPT-2 (124M) vs Llama-2-7B vs Llama-2-13B, one GPU',
        note:
          'the seed gives GPT-2 4.65 req/s (its short dataset) and Llama-2-7B 1.53 req/s (one GPU, no tensor ' +
          'parallelism; its range 1.53-2.43 spans 1-2 GPUs); its 13B figure (0.8-1.2 req/s) has no point here: ' +
          'the simulator has no 13-14B profile, and its 70B needs two GPUs. Qwen2.5-0.5B stands in for GPT-2. ' +
          'The seed does not state the load, GPU or prompt lengths behind its figures; ours keep 48 requests ' +
          'in flight on a simulated H100 with 512-token prompts.',
        points: [
          { x: 0.49, requestThroughput: 4.65 },
          { x: 7.62, requestThroughput: 1.53 },
        ],
      },
    });
    const [smallest, , , largest] = sweep.points;
    // Throughput falls with model size (the seed: 7B at a third of GPT-2's).
    expect(largest?.ratios.throughput).toBeLessThan(smallest?.ratios.throughput ?? 0);
    await expect(sweep).toMatchBaseline();
  });
});

describe('workloads: tensor parallel on 1, 2, 4 H100s (Llama-3.1-8B)', () => {
  it('request throughput per tensor-parallel size', async () => {
    const sweep = await runServerSweep({
      kind: 'scaling',
      xLabel: 'GPUs (tensor parallel)',
      points: [1, 2, 4].map((gpus) => ({
        x: gpus,
        server: {
          model: MODEL,
          gpus,
          simGpu: 'H100',
          args: ['--tensor-parallel-size', String(gpus), '--max-num-seqs', '48'],
        },
      })),
      load: KEPT_FULL,
      slo: STREAMING,
      published: {
        source: 'seed 002: vLLM tensor parallel, Llama-2-7B on 1, 2 and 4 GPUs',
        note:
          'the seed measured Llama-2-7B on GPUs it does not name, at a load it does not state; ours is ' +
          'Llama-3.1-8B on simulated H100s with NVLink, 48 requests in flight. The simulator models the ' +
          'per-GPU weights and the all-reduces, not the client or the scheduler overheads the seed may have hit.',
        points: [
          { x: 1, requestThroughput: 1.53 },
          { x: 2, requestThroughput: 2.43 },
          { x: 4, requestThroughput: 3.51 },
        ],
      },
    });
    const [one, , four] = sweep.points;
    // Four GPUs complete more than one does, and less than four times as much.
    expect(four?.ratios.throughput).toBeGreaterThan(one?.ratios.throughput ?? 0);
    expect(four?.ratios.throughput).toBeLessThan(4);
    await expect(sweep).toMatchBaseline();
  });
});
