import { runCapacity, useServer } from 'servebench';
import { describe, expect, it } from 'vitest';
import { GPU_ARGS, llamaSpec, onGpu, VOCAB } from './engine.ts';

/**
 * How much load does llama-server hold under an SLO? On the CPU (CI): the tiny model, 4 slots,
 * one thread, 128-token prompts and 32 output tokens, a 20 % bracket; on the GPU: the Qwen2.5-1.5B shape with GPU_ARGS, 512/128
 * like the first measurement. A recorded baseline (this machine's, in
 * results/llama-cpp/baselines) is confirmed instead of searched; `-u` searches and re-records.
 */
const setup = onGpu
  ? {
      args: GPU_ARGS,
      profile: {
        dataset: { name: 'random' as const, input_len: 512, output_len: 128, vocab_size: VOCAB },
        ignoreEos: true,
      },
      slo: { goodput: { ttft: 500, tpot: 50 }, attainment: 0.9 },
    }
  : {
      // One thread for llama-server, the other core for the load generator (CI has two).
      args: ['--max-num-seqs', '4', '--max-model-len', '1024', '--threads', '1'],
      profile: {
        dataset: { name: 'random' as const, input_len: 128, output_len: 32, vocab_size: VOCAB },
        ignoreEos: true,
      },
      slo: { goodput: { ttft: 1000, tpot: 100 }, attainment: 0.9 },
    };

describe(`llama.cpp capacity: random Qwen2 ${onGpu ? 'Qwen2.5-1.5B shape on the GPU' : 'tiny on the CPU'}`, () => {
  const server = useServer(llamaSpec(setup.args));

  it('max request rate under the SLO', async () => {
    const capacity = await runCapacity(server, {
      profile: setup.profile,
      slo: setup.slo,
      search: onGpu
        ? { variable: 'request-rate', precision: 0.1, maxProbes: 10, maxRequests: 400 }
        : { variable: 'request-rate', precision: 0.2, maxProbes: 8, maxRequests: 200 },
    });
    console.log(
      `[llama.cpp] capacity: max_passing ${capacity.max_passing}, min_failing ${capacity.min_failing}, ` +
        `${capacity.stop_reason}, ${capacity.probes.length} probes, knee ${capacity.knee}`,
    );
    // Up to the answer nearly every request is served. A real llama-server on 2 cores
    // closes a fresh or kept-alive connection before answering now and then (1 in 1,600 requests at
    // 45 req/s, 1 in 400 at 60; once at the answer's own load in CI): servebench classifies it as a
    // cut stream and counts it as not good, so the judged attainment already pays for it. What must
    // hold is that such failures stay rare and are classified, never left unexplained.
    const held = capacity.probes.filter((p) => p.load <= (capacity.max_passing ?? 0));
    expect(held.length).toBeGreaterThan(0);
    for (const probe of held) {
      const failed = Number(probe.summary.failed);
      const codes = Object.keys(probe.summary.failures ?? {});
      expect(
        codes.filter((code) => code !== 'SB_STREAM_CUT'),
        `probe ${probe.index}`,
      ).toEqual([]);
      expect(failed / (failed + Number(probe.summary.completed)), `probe ${probe.index}`).toBeLessThanOrEqual(
        0.01,
      );
    }
    await expect(capacity).toMatchBaseline();
  });
});
