import type { ServerSpecInput } from 'servebench';

/** Set by suites/llama-cpp/vitest.config.ts: the GGUF to serve, and whether a GPU serves it. */
export const onGpu = process.env.SERVEBENCH_LLAMA_GPUS === 'auto';
const model = process.env.SERVEBENCH_LLAMA_MODEL;
/** Random prompts draw token IDs below the model's vocabulary (the generated tiny model has 8192). */
export const VOCAB = onGpu ? 151_936 : 8192;

/**
 * llama-server's flags on the GPU, chosen by the flag sweep in docs/llama-cpp.md: enough slots
 * that the GPU, not the host, sets the pace, flash attention, and a 2048-token context per slot.
 */
export const GPU_ARGS = ['--max-num-seqs', '64', '--max-model-len', '2048', '--flash-attn', 'on'];

/**
 * llama-server on the leased GPU (all layers offloaded) or on the CPU. `--max-num-seqs` becomes
 * its slots, `--max-model-len` each slot's context; `-fa on` and the batch sizes are its own flags.
 */
export function llamaSpec(args: string[]): ServerSpecInput {
  if (!model)
    throw new Error('SERVEBENCH_LLAMA_MODEL is not set: run with --config suites/llama-cpp/vitest.config.ts');
  return { engine: 'llama.cpp', model, gpus: onGpu ? 1 : 0, startupTimeoutS: 300, args };
}
