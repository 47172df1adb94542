import { z } from 'zod';
import { ServebenchError } from '../core/errors.ts';
import { InsufficientMemoryError, kvCapacity } from './perf/memory.ts';
import { findHardware, type HardwareProfile, hardwareIds } from './profiles/hardware.ts';
import { findModel, type ModelProfile, modelIds } from './profiles/models.ts';

const rate = z.coerce.number().min(0).max(1);
const positiveInt = z.coerce.number().int().min(1);

/** Fault injection, all off by default. Rates are per generation request, drawn from --seed. */
export const faultSchema = z.object({
  /** The process exits (code 70) when generation request N+1 arrives; open streams are cut. */
  faultCrashAfter: z.coerce.number().int().min(0).optional(),
  /** Fraction of streams that pause for faultStallMs after faultStallAfterTokens tokens. */
  faultStallRate: rate.default(0),
  faultStallMs: z.coerce.number().int().min(0).default(5000),
  faultStallAfterTokens: z.coerce.number().int().min(0).default(1),
  /** The server only listens this long after start (model loading). */
  faultSlowStartMs: z.coerce.number().int().min(0).default(0),
  /** Fraction of generation requests answered with faultErrorStatus at once. */
  faultErrorRate: rate.default(0),
  faultErrorStatus: z.coerce.number().int().min(500).max(599).default(500),
  /** Fraction of generation requests answered 429 at once. */
  fault429Rate: rate.default(0),
  /** Fraction of streams with one malformed SSE event (broken JSON) after the first token. */
  faultMalformedSseRate: rate.default(0),
  /** Fraction of streams whose connection is destroyed after faultDropAfterTokens tokens. */
  faultDropRate: rate.default(0),
  faultDropAfterTokens: z.coerce.number().int().min(0).default(1),
  /** Every modelled engine step takes F times as long: a slower server, for gate power studies. */
  faultSlowdown: z.coerce.number().min(1).max(100).default(1),
});

export const simOptionsSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65535).default(8000),
    model: z.string().default('Qwen/Qwen2.5-1.5B-Instruct'),
    servedModelName: z.string().min(1).optional(),
    gpu: z.string().default('H100'),
    tensorParallelSize: positiveInt.default(1),
    dataParallelSize: positiveInt.default(1),
    maxNumSeqs: positiveInt.optional(),
    maxNumBatchedTokens: positiveInt.optional(),
    maxModelLen: positiveInt.optional(),
    gpuMemoryUtilization: z.coerce.number().gt(0).max(1).default(0.9),
    mpsActiveThreadPercentage: z.coerce.number().gt(0).max(100).default(100),
    seed: z.coerce.number().int().min(0).default(0),
  })
  .extend(faultSchema.shape)
  .superRefine((o, ctx) => {
    if (!findModel(o.model)) {
      ctx.addIssue({
        code: 'custom',
        path: ['model'],
        message: `unknown model '${o.model}'; known: ${modelIds.join(', ')}`,
      });
    }
    if (!findHardware(o.gpu)) {
      ctx.addIssue({
        code: 'custom',
        path: ['gpu'],
        message: `unknown GPU '${o.gpu}'; known: ${hardwareIds.join(', ')}`,
      });
    }
  });

export type SimOptions = z.input<typeof simOptionsSchema>;
export type FaultOptions = z.output<typeof faultSchema>;

/** Everything the simulator needs, defaults filled in and cross-checked. */
export interface SimConfig extends Omit<z.output<typeof simOptionsSchema>, 'model' | 'gpu'> {
  readonly model: ModelProfile;
  readonly hardware: HardwareProfile;
  readonly servedModelName: string;
  readonly maxNumSeqs: number;
  readonly maxNumBatchedTokens: number;
  readonly maxModelLen: number;
  readonly kvBlocksPerEngine: number;
  readonly faults: FaultOptions;
}

export class SimConfigError extends ServebenchError {
  declare readonly hint: string;
  constructor(message: string, hint: string) {
    super('SIM_BAD_CONFIG', message, hint);
  }
}

/** vLLM v1 serving defaults: GPUs with >= 70 GiB get a larger batch (vllm/engine/arg_utils.py). */
function servingDefaults(hardware: HardwareProfile): { maxNumSeqs: number; maxNumBatchedTokens: number } {
  return hardware.memoryBytes >= 70 * 1024 ** 3
    ? { maxNumSeqs: 1024, maxNumBatchedTokens: 8192 }
    : { maxNumSeqs: 256, maxNumBatchedTokens: 2048 };
}

/** Validates options (zod; `path` names the option) and derives the full configuration. */
export function resolveConfig(input: SimOptions): SimConfig {
  const o = simOptionsSchema.parse(input);
  const model = findModel(o.model) as ModelProfile;
  const hardware = findHardware(o.gpu) as HardwareProfile;
  const defaults = servingDefaults(hardware);
  const maxModelLen = o.maxModelLen ?? model.maxPositionEmbeddings;
  if (maxModelLen > model.maxPositionEmbeddings) {
    throw new SimConfigError(
      `--max-model-len ${maxModelLen} is larger than ${model.id}'s max_position_embeddings (${model.maxPositionEmbeddings})`,
      `use --max-model-len ${model.maxPositionEmbeddings} or less`,
    );
  }
  if (model.heads % o.tensorParallelSize !== 0) {
    throw new SimConfigError(
      `--tensor-parallel-size ${o.tensorParallelSize} does not divide ${model.id}'s ${model.heads} attention heads`,
      'pick a tensor-parallel size that divides the number of attention heads',
    );
  }
  let blocks: number;
  try {
    blocks = kvCapacity(hardware, model, o.tensorParallelSize, o.gpuMemoryUtilization).blocks;
  } catch (e) {
    if (e instanceof InsufficientMemoryError) throw new SimConfigError(e.message, e.hint);
    throw e;
  }
  if (blocks * 16 < maxModelLen) {
    throw new SimConfigError(
      `the model's max seq len (${maxModelLen}) is larger than the maximum number of tokens that can be stored ` +
        `in KV cache (${blocks * 16})`,
      `increase --gpu-memory-utilization or decrease --max-model-len to ${blocks * 16} or less`,
    );
  }
  const faults = faultSchema.parse(o);
  return {
    ...o,
    model,
    hardware,
    servedModelName: o.servedModelName ?? model.id,
    maxNumSeqs: o.maxNumSeqs ?? defaults.maxNumSeqs,
    maxNumBatchedTokens: o.maxNumBatchedTokens ?? defaults.maxNumBatchedTokens,
    maxModelLen,
    kvBlocksPerEngine: blocks,
    faults,
  };
}
