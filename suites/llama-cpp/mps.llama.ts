import { runLoad, startServer } from 'servebench';
import { describe, expect, it } from 'vitest';
import { GPU_ARGS, llamaSpec, onGpu, VOCAB } from './engine.ts';

/** Requests per point; SERVEBENCH_LLAMA_MPS_REQUESTS shortens a plumbing run. */
const REQUESTS = Number(process.env.SERVEBENCH_LLAMA_MPS_REQUESTS ?? 60);
const RATE = 4;

/**
 * Seed 000's MPS sweep on a real engine: llama-server with the Qwen2.5-1.5B shape at a fixed load
 * below saturation while CUDA_MPS_ACTIVE_THREAD_PERCENTAGE limits its SMs, one server on the GPU
 * at a time (each point starts its own and stops it before the next). Needs a GPU and MPS.
 */
describe.skipIf(!onGpu)(
  `llama.cpp MPS sweep at ${RATE} req/s${onGpu ? '' : ' (skipped: needs a GPU; SERVEBENCH_LLAMA_GPUS=auto)'}`,
  () => {
    for (const percentage of [20, 40, 60, 80, 100]) {
      it(`${percentage}% active threads`, async () => {
        const server = await startServer({ ...llamaSpec(GPU_ARGS), mpsActiveThreadPercentage: percentage });
        try {
          const result = await runLoad(
            server,
            {
              arrival: { kind: 'poisson', rate: RATE },
              requests: REQUESTS,
              dataset: { name: 'random', input_len: 512, output_len: 128, vocab_size: VOCAB },
              ignoreEos: true,
            },
            { x: percentage, xLabel: 'MPS active thread %' },
          );
          expect(result.summary.failed).toBe(0);
          await expect(result).toMatchBaseline();
        } finally {
          await server.stop();
        }
      });
    }
  },
);
