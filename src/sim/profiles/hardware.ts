/**
 * GPU profiles. Peak numbers are the vendors' datasheet figures (dense BF16 tensor throughput,
 * without sparsity); the achievable fractions below them are what the step-time model actually
 * uses. Sources are listed in docs/simulator.md.
 */
export interface HardwareProfile {
  readonly id: string;
  readonly name: string;
  /** Device memory in bytes, as the driver reports it (nvidia-smi "Total"). */
  readonly memoryBytes: number;
  /** Peak memory bandwidth, bytes/s. */
  readonly memoryBandwidth: number;
  /** Peak dense BF16 tensor-core throughput, FLOP/s. */
  readonly bf16Flops: number;
  readonly smCount: number;
  /** GPU-to-GPU link used by tensor-parallel all-reduce. */
  readonly interconnect: Interconnect;
}

export interface Interconnect {
  readonly kind: 'nvlink' | 'pcie';
  /** Achievable one-direction bandwidth per GPU for an all-reduce, bytes/s. */
  readonly bandwidth: number;
  /** Fixed latency of one small all-reduce (vLLM custom all-reduce on NVLink, NCCL on PCIe), s. */
  readonly latency: number;
}

const MiB = 1024 * 1024;
const GB = 1e9;
const TFLOPS = 1e12;

/** NVLink 4 (H100/H200): 900 GB/s bidirectional, 450 GB/s each way; ~8 us per small all-reduce. */
const nvlink4: Interconnect = { kind: 'nvlink', bandwidth: 450 * GB * 0.8, latency: 8e-6 };
/** NVLink 3 (A100): 600 GB/s bidirectional. */
const nvlink3: Interconnect = { kind: 'nvlink', bandwidth: 300 * GB * 0.8, latency: 10e-6 };
/** PCIe Gen4 x16: 32 GB/s each way, NCCL through host bridges reaches ~20 GB/s. */
const pcie4: Interconnect = { kind: 'pcie', bandwidth: 20 * GB, latency: 30e-6 };

export const hardwareProfiles = {
  H100: {
    id: 'H100',
    name: 'NVIDIA H100 80GB HBM3 (SXM5)',
    memoryBytes: 81_559 * MiB,
    memoryBandwidth: 3350 * GB,
    bf16Flops: 989.4 * TFLOPS,
    smCount: 132,
    interconnect: nvlink4,
  },
  H200: {
    id: 'H200',
    name: 'NVIDIA H200 141GB HBM3e (SXM)',
    memoryBytes: 143_771 * MiB,
    memoryBandwidth: 4800 * GB,
    bf16Flops: 989.4 * TFLOPS,
    smCount: 132,
    interconnect: nvlink4,
  },
  A100: {
    id: 'A100',
    name: 'NVIDIA A100-SXM4-80GB',
    memoryBytes: 81_920 * MiB,
    memoryBandwidth: 2039 * GB,
    bf16Flops: 312 * TFLOPS,
    smCount: 108,
    interconnect: nvlink3,
  },
  L4: {
    id: 'L4',
    name: 'NVIDIA L4 24GB',
    memoryBytes: 23_034 * MiB,
    memoryBandwidth: 300 * GB,
    bf16Flops: 121 * TFLOPS,
    smCount: 58,
    interconnect: pcie4,
  },
  'RTX-4090': {
    id: 'RTX-4090',
    name: 'NVIDIA GeForce RTX 4090 24GB',
    memoryBytes: 24_564 * MiB,
    memoryBandwidth: 1008 * GB,
    bf16Flops: 165.2 * TFLOPS,
    smCount: 128,
    interconnect: pcie4,
  },
} as const satisfies Record<string, HardwareProfile>;

export type HardwareId = keyof typeof hardwareProfiles;

/** Names people type for the same GPU, normalised to a profile id. */
const aliases: Record<string, HardwareId> = {
  h100: 'H100',
  'h100-sxm': 'H100',
  'h100-80gb': 'H100',
  h200: 'H200',
  a100: 'A100',
  'a100-80gb': 'A100',
  l4: 'L4',
  'rtx-4090': 'RTX-4090',
  rtx4090: 'RTX-4090',
  '4090': 'RTX-4090',
};

export function findHardware(name: string): HardwareProfile | undefined {
  const id = aliases[name.toLowerCase().replace(/[\s_]+/g, '-')];
  return id === undefined ? undefined : hardwareProfiles[id];
}

export const hardwareIds = Object.keys(hardwareProfiles) as HardwareId[];
