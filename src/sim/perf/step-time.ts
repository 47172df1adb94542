import type { HardwareProfile } from '../profiles/hardware.ts';
import { blockParams, headDim, kvBytesPerToken, type ModelProfile } from '../profiles/models.ts';
import { mpsScaling } from './mps.ts';
import { defaultTuning, type PerfTuning } from './tuning.ts';

/** One sequence's share of an engine step. */
export interface BatchItem {
  /** Tokens whose KV already exists before this step (context). */
  readonly computedTokens: number;
  /** Tokens processed in this step: 1 for decode, a prompt chunk for prefill. */
  readonly newTokens: number;
  /** Whether the step ends with a sampled token for this sequence (logits computed). */
  readonly sampled: boolean;
}

export interface StepBreakdown {
  /** Total modelled step time, s. */
  readonly total: number;
  readonly linear: number;
  readonly attention: number;
  readonly allReduce: number;
  readonly host: number;
  /** Whether the linear layers were compute-bound (FLOPs) rather than memory-bound (bytes). */
  readonly computeBound: boolean;
}

export interface StepTimeModelOptions {
  readonly hardware: HardwareProfile;
  readonly model: ModelProfile;
  readonly tensorParallelSize?: number;
  readonly mpsActiveThreadPercentage?: number;
  readonly tuning?: PerfTuning;
}

/**
 * Step time of one continuous-batching iteration, from a roofline per operator group:
 * linear layers (weights streamed once per step vs 2*params FLOPs per token) and attention
 * (KV bytes read vs QK^T/AV FLOPs), plus tensor-parallel all-reduces and host overhead.
 */
export class StepTimeModel {
  readonly #tp: number;
  readonly #flops: number;
  readonly #attnFlops: number;
  readonly #bandwidth: number;
  readonly #linearBytes: number;
  readonly #blockParams: number;
  readonly #lmHeadFlopsPerSample: number;
  readonly #attnFlopsPerPair: number;
  readonly #kvBytesPerToken: number;
  readonly #allReducePerToken: number;
  readonly #allReduceFixed: number;
  readonly #p: number;
  readonly #tuning: PerfTuning;

  constructor(options: StepTimeModelOptions) {
    const { hardware, model } = options;
    const tuning = options.tuning ?? defaultTuning;
    const tp = options.tensorParallelSize ?? 1;
    const mps = mpsScaling(
      options.mpsActiveThreadPercentage ?? 100,
      hardware,
      hardware.memoryBandwidth * tuning.bandwidthEfficiency,
    );
    this.#tuning = tuning;
    this.#tp = tp;
    this.#flops = hardware.bf16Flops * tuning.gemmEfficiency * mps.compute * tp;
    this.#attnFlops = hardware.bf16Flops * tuning.attentionEfficiency * mps.compute * tp;
    this.#bandwidth = hardware.memoryBandwidth * tuning.bandwidthEfficiency * mps.bandwidth * tp;
    this.#blockParams = blockParams(model);
    // The LM head matrix is read every step whether or not it is tied to the embedding.
    this.#linearBytes = (this.#blockParams + model.vocabSize * model.hiddenSize) * model.dtypeBytes;
    this.#lmHeadFlopsPerSample = 2 * model.hiddenSize * model.vocabSize;
    // QK^T and AV: 2 matmuls x 2 FLOPs per multiply-add, per layer, head and head dimension.
    this.#attnFlopsPerPair = 4 * model.layers * model.heads * headDim(model);
    this.#kvBytesPerToken = kvBytesPerToken(model);
    // Two all-reduces per layer (after attention and after the MLP), ring: 2(N-1)/N of the data.
    const link = hardware.interconnect;
    const ring = tp > 1 ? (2 * (tp - 1)) / tp : 0;
    this.#allReduceFixed = tp > 1 ? 2 * model.layers * link.latency : 0;
    this.#allReducePerToken =
      tp > 1 ? (2 * model.layers * ring * model.hiddenSize * model.dtypeBytes) / link.bandwidth : 0;
    this.#p = tuning.rooflineExponent;
  }

  #roof(compute: number, memory: number): number {
    if (!Number.isFinite(this.#p)) return Math.max(compute, memory);
    if (compute === 0 || memory === 0) return compute + memory;
    return (compute ** this.#p + memory ** this.#p) ** (1 / this.#p);
  }

  stepTime(items: readonly BatchItem[]): StepBreakdown {
    let tokens = 0;
    let sampled = 0;
    let attnPairs = 0;
    let kvTokens = 0;
    for (const item of items) {
      tokens += item.newTokens;
      if (item.sampled) sampled++;
      // Each new token attends to the context before it plus the new tokens up to itself.
      attnPairs += item.newTokens * item.computedTokens + (item.newTokens * (item.newTokens + 1)) / 2;
      kvTokens += item.computedTokens + item.newTokens;
    }
    if (tokens === 0)
      return { total: 0, linear: 0, attention: 0, allReduce: 0, host: 0, computeBound: false };
    const linearFlops = 2 * this.#blockParams * tokens + this.#lmHeadFlopsPerSample * sampled;
    const linearCompute = linearFlops / this.#flops;
    const linearMemory = this.#linearBytes / this.#bandwidth;
    const linear = this.#roof(linearCompute, linearMemory);
    const attention = this.#roof(
      (this.#attnFlopsPerPair * attnPairs) / this.#attnFlops,
      (this.#kvBytesPerToken * kvTokens) / this.#bandwidth,
    );
    const allReduce = this.#tp > 1 ? this.#allReduceFixed + this.#allReducePerToken * tokens : 0;
    const t = this.#tuning;
    const host = t.stepOverhead + t.perSequenceOverhead * items.length + t.perTokenOverhead * tokens;
    return {
      total: linear + attention + allReduce + host,
      linear,
      attention,
      allReduce,
      host,
      computeBound: linearCompute > linearMemory,
    };
  }
}
