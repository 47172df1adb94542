import { z } from 'zod';

/** The server an experiment needs. Arguments are vLLM's (`vllm serve MODEL ...args`). */
export const serverSpecSchema = z.strictObject({
  model: z.string().min(1).default('Qwen/Qwen2.5-1.5B-Instruct'),
  /**
   * The serving engine (process target): 'vllm' runs the target's command; 'llama.cpp' runs
   * llama-server on `model` (a GGUF file), translating --max-num-seqs and --max-model-len
   * (targets/llama-cpp.ts) and passing every other argument as llama-server's own.
   */
  engine: z.enum(['vllm', 'llama.cpp']).default('vllm'),
  /**
   * GPUs this server needs; must fit in one lease slot. 0: a server on the CPU (llama.cpp on the
   * process target, with the plugin's `gpus: 'none'` on a machine without GPUs).
   */
  gpus: z.int().nonnegative().default(1),
  /** Extra server arguments, e.g. ['--max-num-seqs', '16'] (vLLM's; see `engine`). */
  args: z.array(z.string()).default([]),
  /** Container image (container target), pinned by tag. */
  image: z.string().optional(),
  env: z.record(z.string(), z.string()).default({}),
  /** Hardware profile the simulator models (sim target): H100, H200, A100, L4, RTX4090. */
  simGpu: z.string().default('H100'),
  /** MPS active thread percentage for the server's process (20 = 20% of the SMs). */
  mpsActiveThreadPercentage: z.int().min(1).max(100).optional(),
  /**
   * Run an MPS control daemon for this server (container target: a companion container on the
   * same GPUs). Default: on when mpsActiveThreadPercentage is set.
   */
  mps: z.boolean().optional(),
  /** CUDA_MPS_PINNED_DEVICE_MEM_LIMIT for the server's process, e.g. '0=20G,1=20G'. */
  mpsPinnedDeviceMemLimit: z
    .string()
    .regex(/^\d+=\d+[KMG]?(,\d+=\d+[KMG]?)*$/, "expected 'DEVICE=LIMIT[,...]', e.g. '0=20G'")
    .optional(),
  startupTimeoutS: z.number().positive().default(900),
});

export type ServerSpec = z.infer<typeof serverSpecSchema>;
export type ServerSpecInput = z.input<typeof serverSpecSchema>;
