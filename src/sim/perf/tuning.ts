/**
 * The free parameters of the performance model, in one place. They are the only numbers fitted
 * to the seed measurements (docs/simulator.md, "Calibration"); everything else comes from
 * datasheets and model configs.
 */
export interface PerfTuning {
  /** Fraction of peak BF16 FLOP/s that the linear layers (GEMMs) reach. */
  readonly gemmEfficiency: number;
  /** Fraction of peak FLOP/s that attention kernels reach. */
  readonly attentionEfficiency: number;
  /** Fraction of peak memory bandwidth that weight and KV streaming reach. */
  readonly bandwidthEfficiency: number;
  /**
   * Exponent p of the soft roofline (c^p + m^p)^(1/p): infinity is the pure max(compute, memory)
   * roofline; finite values model imperfect overlap of compute and memory traffic.
   */
  readonly rooflineExponent: number;
  /** Host-side cost of every engine step (scheduling, input preparation, launch), s. */
  readonly stepOverhead: number;
  /** Extra host-side cost per scheduled sequence (sampling, output processing), s. */
  readonly perSequenceOverhead: number;
  /** Extra host-side cost per scheduled token (input preparation), s. */
  readonly perTokenOverhead: number;
  /**
   * API-server time before a request reaches the engine (parse, tokenize, IPC), s. The
   * simulator's own HTTP handling (about 1 ms) comes on top of it in real time.
   */
  readonly frontendLatency: number;
}

export const defaultTuning: PerfTuning = {
  gemmEfficiency: 0.5,
  attentionEfficiency: 0.35,
  bandwidthEfficiency: 0.9,
  rooflineExponent: 1,
  stepOverhead: 1.1e-3,
  perSequenceOverhead: 35e-6,
  perTokenOverhead: 2e-6,
  frontendLatency: 2e-3,
};
