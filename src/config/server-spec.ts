import { z } from 'zod';

/** The server an experiment needs. Arguments are vLLM's (`vllm serve MODEL ...args`). */
export const serverSpecSchema = z.strictObject({
  model: z.string().min(1).default('Qwen/Qwen2.5-1.5B-Instruct'),
  /** GPUs this server needs; must fit in one lease slot. */
  gpus: z.int().positive().default(1),
  /** Extra `vllm serve` arguments, e.g. ['--max-num-seqs', '16']. */
  args: z.array(z.string()).default([]),
  /** Container image (container target), pinned by tag. */
  image: z.string().optional(),
  env: z.record(z.string(), z.string()).default({}),
  /** Hardware profile the simulator models (sim target): H100, H200, A100, L4, RTX4090. */
  simGpu: z.string().default('H100'),
  /** MPS active thread percentage for the server's process (20 = 20% of the SMs). */
  mpsActiveThreadPercentage: z.int().min(1).max(100).optional(),
  startupTimeoutS: z.number().positive().default(900),
});

export type ServerSpec = z.infer<typeof serverSpecSchema>;
export type ServerSpecInput = z.input<typeof serverSpecSchema>;
