import { ServebenchError } from '../../core/errors.ts';
import type { HardwareProfile } from '../profiles/hardware.ts';
import { kvBytesPerToken, type ModelProfile, weightBytes } from '../profiles/models.ts';

/** vLLM's paged-attention block size (tokens per KV block). */
export const BLOCK_SIZE = 16;

/**
 * Memory vLLM keeps out of the KV cache besides the weights: CUDA context and non-torch
 * allocations, peak activations of the profiling run, CUDA graphs. 1 GiB reproduces seed 004's
 * logged KV capacity (665,872 tokens for Qwen2.5-1.5B on a 24 GiB RTX 4090 at 0.9).
 */
export const RESERVED_BYTES_PER_GPU = 1024 ** 3;

export interface KvCapacity {
  readonly weightBytesPerGpu: number;
  readonly kvBytesPerGpu: number;
  readonly blocks: number;
  readonly tokens: number;
}

export class InsufficientMemoryError extends ServebenchError {
  declare readonly hint: string;
  constructor(message: string, hint: string) {
    super('SIM_INSUFFICIENT_MEMORY', message, hint);
  }
}

export function kvCapacity(
  hardware: HardwareProfile,
  model: ModelProfile,
  tensorParallelSize: number,
  gpuMemoryUtilization: number,
): KvCapacity {
  const weightBytesPerGpu = weightBytes(model) / tensorParallelSize;
  const kvBytesPerGpu =
    hardware.memoryBytes * gpuMemoryUtilization - weightBytesPerGpu - RESERVED_BYTES_PER_GPU;
  const blockBytes = (BLOCK_SIZE * kvBytesPerToken(model)) / tensorParallelSize;
  const blocks = Math.floor(kvBytesPerGpu / blockBytes);
  if (blocks <= 0) {
    const gib = (n: number) => `${(n / 1024 ** 3).toFixed(2)} GiB`;
    throw new InsufficientMemoryError(
      `${model.id} needs ${gib(weightBytesPerGpu)} of weights per GPU but only ` +
        `${gib(hardware.memoryBytes * gpuMemoryUtilization - RESERVED_BYTES_PER_GPU)} is usable on ${hardware.name} ` +
        `at --gpu-memory-utilization ${gpuMemoryUtilization}: no memory left for the KV cache`,
      'raise --tensor-parallel-size or --gpu-memory-utilization, or pick a larger --gpu',
    );
  }
  return { weightBytesPerGpu, kvBytesPerGpu, blocks, tokens: blocks * BLOCK_SIZE };
}
