/**
 * Writes a qwen2-architecture GGUF model with random, seeded weights and a synthetic byte-level
 * BPE tokenizer, so llama.cpp's llama-server can serve a model of real shape without a download.
 * The text it generates is meaningless; the compute per token is that of the real shape.
 *
 *   node scripts/llama-cpp/random-gguf.ts --shape tiny|qwen2.5-1.5b --out PATH [--seed N] [--type f16|f32|q8_0]
 *
 * Weights are N(0, 0.02) (matrices, embeddings, biases), norms are 1; activations stay finite.
 * An output bias keeps the model from emitting what a trained one never does (lone non-ASCII
 * bytes, which llama-server refuses as text; control and padding tokens): see suppressedTokens.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  GgmlType,
  type MetadataValue,
  meta,
  type TensorSpec,
  type WriteResult,
  writeGguf,
} from './gguf-writer.ts';
import { buildVocabulary, CHATML_TEMPLATE, suppressedTokens, type Vocabulary } from './tokenizer-bpe.ts';

export interface Qwen2Shape {
  /** Model name written to `general.name`. */
  name: string;
  nVocab: number;
  /** Unused `[PAD]` tokens at the end of the vocabulary (rows of the embedding no text reaches). */
  vocabPadding: number;
  nCtx: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  nFf: number;
  ropeTheta: number;
  rmsEps: number;
  /** Output projection shares the token embedding (no `output.weight`). */
  tiedEmbeddings: boolean;
}

export const SHAPES = {
  /** Small enough to serve fast on two CPU cores; still GQA (2 query heads per KV head) like Qwen. */
  tiny: {
    name: 'servebench-random-qwen2-tiny',
    nVocab: 8192,
    vocabPadding: 0,
    nCtx: 4096,
    nEmbd: 256,
    nLayer: 4,
    nHead: 4,
    nHeadKv: 2,
    nFf: 512,
    ropeTheta: 1_000_000,
    rmsEps: 1e-6,
    tiedEmbeddings: true,
  },
  /** Qwen2.5-1.5B(-Instruct)'s config.json. */
  'qwen2.5-1.5b': {
    name: 'servebench-random-qwen2.5-1.5b',
    nVocab: 151936,
    vocabPadding: 271,
    nCtx: 32768,
    nEmbd: 1536,
    nLayer: 28,
    nHead: 12,
    nHeadKv: 2,
    nFf: 8960,
    ropeTheta: 1_000_000,
    rmsEps: 1e-6,
    tiedEmbeddings: true,
  },
} as const satisfies Record<string, Qwen2Shape>;

export type ShapeName = keyof typeof SHAPES;

export const WEIGHT_TYPES = { f32: GgmlType.F32, f16: GgmlType.F16, q8_0: GgmlType.Q8_0 } as const;
export type WeightTypeName = keyof typeof WEIGHT_TYPES;

/** general.file_type (enum llama_ftype) for each weight type. */
const FILE_TYPE: Record<WeightTypeName, number> = { f32: 0, f16: 1, q8_0: 7 };

const WEIGHT_STD = 0.02;

// ---- numbers ---------------------------------------------------------------------------------

/** Float to IEEE half bits, round to nearest even. */
export function floatToHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  e = half >>> 10;
  return sign | (e >= 0x1f ? 0x7c00 : half);
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const tail = (q: number): number =>
    (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

/**
 * 65536 quantiles of N(0, 1): a 16-bit uniform draw indexes it, so one 32-bit draw gives two
 * normal samples (a normal distribution truncated at about 4.3 sigma).
 */
const NORMAL_TABLE = (() => {
  const t = new Float64Array(65536);
  for (let i = 0; i < 65536; i++) t[i] = normalQuantile((i + 0.5) / 65536);
  return t;
})();

const tableCache = new Map<string, Uint16Array | Float32Array | Int8Array>();

function f16Table(std: number): Uint16Array {
  const key = `f16:${std}`;
  let t = tableCache.get(key) as Uint16Array | undefined;
  if (!t) {
    t = new Uint16Array(65536);
    for (let i = 0; i < 65536; i++) t[i] = floatToHalf((NORMAL_TABLE[i] as number) * std);
    tableCache.set(key, t);
  }
  return t;
}

function f32Table(std: number): Float32Array {
  const key = `f32:${std}`;
  let t = tableCache.get(key) as Float32Array | undefined;
  if (!t) {
    t = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) t[i] = (NORMAL_TABLE[i] as number) * std;
    tableCache.set(key, t);
  }
  return t;
}

/** Q8_0 quants: the normal scaled by Q8_SCALE, so each block's scale is std / Q8_SCALE. */
const Q8_SCALE = 32;
const Q8_TABLE = (() => {
  const t = new Int8Array(65536);
  for (let i = 0; i < 65536; i++) {
    t[i] = Math.max(-127, Math.min(127, Math.round((NORMAL_TABLE[i] as number) * Q8_SCALE)));
  }
  return t;
})();

/** sfc32 state from a seed and a stream number (splitmix32 to spread the bits). */
function seedState(seed: number, stream: number): Uint32Array {
  let s = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  const next = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const st = new Uint32Array([next(), next(), next(), 1]);
  return st;
}

/** Elements generated per chunk (the writer copies each chunk before asking for the next). */
const CHUNK_ELEMENTS = 1 << 20;

/**
 * Fills `out` with table entries picked by sfc32 draws, two per draw (`out.length` even).
 * Writes the generator state back to `st`.
 */
function fillFromTable(
  out: Uint16Array | Float32Array | Int8Array,
  table: ArrayLike<number>,
  st: Uint32Array,
): void {
  let a = st[0] as number;
  let b = st[1] as number;
  let c = st[2] as number;
  let d = st[3] as number;
  const n = out.length;
  for (let i = 0; i < n; i += 2) {
    // sfc32
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    out[i] = table[t & 0xffff] as number;
    out[i + 1] = table[t >>> 16] as number;
  }
  st[0] = a;
  st[1] = b;
  st[2] = c;
  st[3] = d;
}

function* randomData(
  type: GgmlType,
  elements: number,
  std: number,
  seed: number,
  stream: number,
): Generator<Uint8Array> {
  const st = seedState(seed, stream);
  if (type === GgmlType.Q8_0) {
    const blocksPerChunk = CHUNK_ELEMENTS / 32;
    const buf = new Uint8Array(blocksPerChunk * 34);
    const quants = new Int8Array(blocksPerChunk * 32);
    const quantBytes = new Uint8Array(quants.buffer);
    const scale = floatToHalf(std / Q8_SCALE);
    for (let done = 0; done < elements; done += blocksPerChunk * 32) {
      const blocks = Math.min(blocksPerChunk, (elements - done) / 32);
      fillFromTable(quants.subarray(0, blocks * 32), Q8_TABLE, st);
      for (let k = 0; k < blocks; k++) {
        const at = k * 34;
        buf[at] = scale & 0xff;
        buf[at + 1] = scale >>> 8;
        buf.set(quantBytes.subarray(k * 32, k * 32 + 32), at + 2);
      }
      yield buf.subarray(0, blocks * 34);
    }
    return;
  }
  const out = type === GgmlType.F16 ? new Uint16Array(CHUNK_ELEMENTS) : new Float32Array(CHUNK_ELEMENTS);
  const table = type === GgmlType.F16 ? f16Table(std) : f32Table(std);
  const bytes = new Uint8Array(out.buffer);
  for (let done = 0; done < elements; done += CHUNK_ELEMENTS) {
    const n = Math.min(CHUNK_ELEMENTS, elements - done);
    const view = out.subarray(0, n + (n & 1));
    fillFromTable(view, table, st);
    yield bytes.subarray(0, n * out.BYTES_PER_ELEMENT);
  }
}

function* onesF32(elements: number): Generator<Uint8Array> {
  yield new Uint8Array(new Float32Array(elements).fill(1).buffer);
}

// ---- the model -------------------------------------------------------------------------------

/** Tensor specs of a qwen2 model (names and shapes as llama.cpp's LLM_ARCH_QWEN2 loads them). */
/** Output bias of the tokens a random model must not emit (see suppressedTokens). */
export const SUPPRESSED_LOGIT_BIAS = -100;

/**
 * Tensor specs of a qwen2 model (names and shapes as llama.cpp's LLM_ARCH_QWEN2 loads them), plus
 * `output.bias` (which llama.cpp's qwen2 graph adds to the logits when present): 0, or
 * SUPPRESSED_LOGIT_BIAS for the tokens of `suppressedTokens(vocab)`.
 */
export function qwen2Tensors(
  shape: Qwen2Shape,
  type: GgmlType,
  seed: number,
  vocab: Vocabulary,
): TensorSpec[] {
  if (vocab.tokens.length !== shape.nVocab) {
    throw new Error(`the vocabulary has ${vocab.tokens.length} tokens, the shape ${shape.nVocab}`);
  }
  const headDim = shape.nEmbd / shape.nHead;
  const nEmbdGqa = headDim * shape.nHeadKv;
  const tensors: TensorSpec[] = [];
  const matrix = (name: string, dims: [number, number]): void => {
    const stream = tensors.length;
    tensors.push({
      name,
      dims,
      type,
      data: () => randomData(type, dims[0] * dims[1], WEIGHT_STD, seed, stream),
    });
  };
  const bias = (name: string, n: number): void => {
    const stream = tensors.length;
    tensors.push({
      name,
      dims: [n],
      type: GgmlType.F32,
      data: () => randomData(GgmlType.F32, n, WEIGHT_STD, seed, stream),
    });
  };
  const norm = (name: string, n: number): void => {
    tensors.push({ name, dims: [n], type: GgmlType.F32, data: () => onesF32(n) });
  };
  matrix('token_embd.weight', [shape.nEmbd, shape.nVocab]);
  for (let i = 0; i < shape.nLayer; i++) {
    const blk = `blk.${i}`;
    norm(`${blk}.attn_norm.weight`, shape.nEmbd);
    matrix(`${blk}.attn_q.weight`, [shape.nEmbd, shape.nEmbd]);
    bias(`${blk}.attn_q.bias`, shape.nEmbd);
    matrix(`${blk}.attn_k.weight`, [shape.nEmbd, nEmbdGqa]);
    bias(`${blk}.attn_k.bias`, nEmbdGqa);
    matrix(`${blk}.attn_v.weight`, [shape.nEmbd, nEmbdGqa]);
    bias(`${blk}.attn_v.bias`, nEmbdGqa);
    matrix(`${blk}.attn_output.weight`, [shape.nEmbd, shape.nEmbd]);
    norm(`${blk}.ffn_norm.weight`, shape.nEmbd);
    matrix(`${blk}.ffn_gate.weight`, [shape.nEmbd, shape.nFf]);
    matrix(`${blk}.ffn_up.weight`, [shape.nEmbd, shape.nFf]);
    matrix(`${blk}.ffn_down.weight`, [shape.nFf, shape.nEmbd]);
  }
  norm('output_norm.weight', shape.nEmbd);
  if (!shape.tiedEmbeddings) matrix('output.weight', [shape.nEmbd, shape.nVocab]);
  const suppressed = suppressedTokens(vocab);
  tensors.push({
    name: 'output.bias',
    dims: [shape.nVocab],
    type: GgmlType.F32,
    data: function* () {
      const bias = new Float32Array(shape.nVocab);
      for (const [id, s] of suppressed.entries()) if (s) bias[id] = SUPPRESSED_LOGIT_BIAS;
      yield new Uint8Array(bias.buffer);
    },
  });
  return tensors;
}

export interface GenerateOptions {
  shape: ShapeName;
  out: string;
  seed?: number;
  type?: WeightTypeName;
}

export interface GenerateResult extends WriteResult {
  shape: ShapeName;
  seed: number;
  type: WeightTypeName;
  parameters: number;
  seconds: number;
}

export function qwen2Metadata(
  shape: Qwen2Shape,
  shapeName: string,
  typeName: WeightTypeName,
  seed: number,
  vocab: Vocabulary,
): Array<[string, MetadataValue]> {
  return [
    ['general.architecture', meta.str('qwen2')],
    ['general.type', meta.str('model')],
    ['general.name', meta.str(shape.name)],
    [
      'general.description',
      meta.str(
        'Random weights and a synthetic tokenizer (servebench scripts/llama-cpp/random-gguf.ts); not a trained model',
      ),
    ],
    ['general.file_type', meta.u32(FILE_TYPE[typeName])],
    ['general.quantization_version', meta.u32(2)],
    ['qwen2.context_length', meta.u32(shape.nCtx)],
    ['qwen2.embedding_length', meta.u32(shape.nEmbd)],
    ['qwen2.block_count', meta.u32(shape.nLayer)],
    ['qwen2.feed_forward_length', meta.u32(shape.nFf)],
    ['qwen2.attention.head_count', meta.u32(shape.nHead)],
    ['qwen2.attention.head_count_kv', meta.u32(shape.nHeadKv)],
    ['qwen2.rope.freq_base', meta.f32(shape.ropeTheta)],
    ['qwen2.attention.layer_norm_rms_epsilon', meta.f32(shape.rmsEps)],
    ['tokenizer.ggml.model', meta.str('gpt2')],
    ['tokenizer.ggml.pre', meta.str('qwen2')],
    ['tokenizer.ggml.tokens', meta.strings(vocab.tokens)],
    ['tokenizer.ggml.token_type', meta.i32s(vocab.tokenTypes)],
    ['tokenizer.ggml.merges', meta.strings(vocab.merges)],
    ['tokenizer.ggml.eos_token_id', meta.u32(vocab.eosId)],
    ['tokenizer.ggml.padding_token_id', meta.u32(vocab.padId)],
    ['tokenizer.ggml.bos_token_id', meta.u32(vocab.bosId)],
    ['tokenizer.ggml.add_bos_token', meta.bool(false)],
    ['tokenizer.chat_template', meta.str(CHATML_TEMPLATE)],
    ['servebench.shape', meta.str(shapeName)],
    ['servebench.seed', meta.u32(seed)],
  ];
}

export function parameterCount(tensors: readonly TensorSpec[]): number {
  return tensors.reduce((sum, t) => sum + t.dims.reduce((a, b) => a * b, 1), 0);
}

export async function generateRandomGguf(options: GenerateOptions): Promise<GenerateResult> {
  const started = performance.now();
  const shape: Qwen2Shape = SHAPES[options.shape];
  const seed = options.seed ?? 0;
  const typeName = options.type ?? 'f16';
  const vocab = buildVocabulary(shape.nVocab, shape.vocabPadding);
  const tensors = qwen2Tensors(shape, WEIGHT_TYPES[typeName], seed, vocab);
  const metadata = qwen2Metadata(shape, options.shape, typeName, seed, vocab);
  const result = await writeGguf(options.out, { metadata, tensors, alignment: 32 });
  return {
    ...result,
    shape: options.shape,
    seed,
    type: typeName,
    parameters: parameterCount(tensors),
    seconds: (performance.now() - started) / 1000,
  };
}

// ---- the command line ------------------------------------------------------------------------

export class UsageError extends Error {}

const USAGE =
  'usage: node scripts/llama-cpp/random-gguf.ts --shape tiny|qwen2.5-1.5b --out PATH [--seed N] [--type f16|f32|q8_0]';

export function parseCli(argv: readonly string[]): Required<GenerateOptions> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        shape: { type: 'string' },
        out: { type: 'string' },
        seed: { type: 'string' },
        type: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const shape = values.shape as string | undefined;
  if (shape === undefined)
    throw new UsageError(`--shape is required: one of ${Object.keys(SHAPES).join(', ')}\n${USAGE}`);
  if (!Object.hasOwn(SHAPES, shape)) {
    throw new UsageError(`--shape must be one of ${Object.keys(SHAPES).join(', ')}, not "${shape}"`);
  }
  const out = values.out as string | undefined;
  if (out === undefined || out === '')
    throw new UsageError(`--out is required: the path of the .gguf file to write\n${USAGE}`);
  const seedText = (values.seed as string | undefined) ?? '0';
  if (!/^\d+$/.test(seedText) || Number(seedText) > 0xffffffff) {
    throw new UsageError(`--seed must be an integer from 0 to 4294967295, not "${seedText}"`);
  }
  const type = (values.type as string | undefined) ?? 'f16';
  if (!Object.hasOwn(WEIGHT_TYPES, type)) {
    throw new UsageError(`--type must be one of ${Object.keys(WEIGHT_TYPES).join(', ')}, not "${type}"`);
  }
  return {
    shape: shape as ShapeName,
    out: resolve(out),
    seed: Number(seedText),
    type: type as WeightTypeName,
  };
}

async function main(): Promise<void> {
  let options: Required<GenerateOptions>;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`random-gguf: ${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  const dir = await stat(resolve(options.out, '..')).catch(() => undefined);
  if (!dir?.isDirectory()) {
    process.stderr.write(`random-gguf: --out: directory ${resolve(options.out, '..')} does not exist\n`);
    process.exitCode = 2;
    return;
  }
  const r = await generateRandomGguf(options);
  process.stdout.write(
    `${JSON.stringify({
      path: r.path,
      shape: r.shape,
      type: r.type,
      seed: r.seed,
      parameters: r.parameters,
      bytes: r.bytes,
      seconds: Number(r.seconds.toFixed(2)),
    })}\n`,
  );
}

if (import.meta.main) await main();
