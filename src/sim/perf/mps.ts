import type { HardwareProfile } from '../profiles/hardware.ts';

/**
 * How CUDA_MPS_ACTIVE_THREAD_PERCENTAGE scales a GPU, fitted to the H100 measurements in
 * DESIGN.md (real MPS control daemon).
 *
 * Compute follows the SM share: a bf16 8192^3 matmul gave 799 / 447 / 189 TFLOPS at
 * 100 / 50 / 20 % (a little better than linear at low shares because clocks stop throttling).
 *
 * Bandwidth saturates: each SM can keep about PER_SM_BANDWIDTH of memory traffic in flight, so
 * k SMs reach B * (1 - exp(-k * s / B)) of an effective peak B. With s = 120 GB/s and B = 2810 GB/s
 * this reproduces the batch-8 GEMV column (1207 / 1918 / 2652 / 2782 GB/s at 10 / 20 / 50 / 100 %)
 * within 1 %. Carried over to other GPUs through their SM count and bandwidth, it says that a GPU
 * with less bandwidth per SM (RTX 4090: 1008 GB/s over 128 SMs) loses much less decode speed
 * under MPS than an H100 (3350 GB/s over 132 SMs).
 */
const PER_SM_BANDWIDTH = 120e9;

interface Point {
  readonly percent: number;
  readonly factor: number;
}

const computePoints: readonly Point[] = [
  { percent: 0, factor: 0 },
  { percent: 20, factor: 189 / 799 },
  { percent: 50, factor: 447 / 799 },
  { percent: 100, factor: 1 },
];

function interpolate(points: readonly Point[], percent: number): number {
  const p = Math.min(100, Math.max(0, percent));
  for (let i = 1; i < points.length; i++) {
    const hi = points[i] as Point;
    const lo = points[i - 1] as Point;
    if (p <= hi.percent)
      return lo.factor + ((p - lo.percent) / (hi.percent - lo.percent)) * (hi.factor - lo.factor);
  }
  return 1;
}

export interface MpsScaling {
  /** Fraction of full compute throughput available. */
  readonly compute: number;
  /** Fraction of full memory bandwidth available. */
  readonly bandwidth: number;
}

/** `effectiveBandwidth`: the bandwidth the whole GPU reaches in practice, bytes/s. */
export function mpsScaling(
  activeThreadPercentage: number,
  hardware: Pick<HardwareProfile, 'smCount'>,
  effectiveBandwidth: number,
): MpsScaling {
  const p = Math.min(100, Math.max(0, activeThreadPercentage));
  const reach = (sms: number): number => 1 - Math.exp((-sms * PER_SM_BANDWIDTH) / effectiveBandwidth);
  return {
    compute: interpolate(computePoints, p),
    bandwidth: p >= 100 ? 1 : reach((hardware.smCount * p) / 100) / reach(hardware.smCount),
  };
}
