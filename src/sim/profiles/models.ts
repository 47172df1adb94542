/**
 * Model profiles: the architecture numbers of each model's Hugging Face `config.json`
 * (hidden_size, intermediate_size, num_hidden_layers, num_attention_heads, num_key_value_heads,
 * vocab_size, tie_word_embeddings, max_position_embeddings). Parameter counts are derived from
 * them, not typed in, so they cannot disagree.
 */
export interface ModelProfile {
  /** The Hugging Face id, which is also the served model name. */
  readonly id: string;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly vocabSize: number;
  readonly tiedEmbeddings: boolean;
  readonly maxPositionEmbeddings: number;
  /** Bytes per weight and per KV element (bf16 = 2). */
  readonly dtypeBytes: number;
  /** Chat template family, for prompt token counts of /v1/chat/completions. */
  readonly chatTemplate: 'chatml' | 'llama3';
}

export const modelProfiles = {
  'Qwen/Qwen2.5-0.5B-Instruct': {
    id: 'Qwen/Qwen2.5-0.5B-Instruct',
    hiddenSize: 896,
    intermediateSize: 4864,
    layers: 24,
    heads: 14,
    kvHeads: 2,
    vocabSize: 151_936,
    tiedEmbeddings: true,
    maxPositionEmbeddings: 32_768,
    dtypeBytes: 2,
    chatTemplate: 'chatml',
  },
  'Qwen/Qwen2.5-1.5B-Instruct': {
    id: 'Qwen/Qwen2.5-1.5B-Instruct',
    hiddenSize: 1536,
    intermediateSize: 8960,
    layers: 28,
    heads: 12,
    kvHeads: 2,
    vocabSize: 151_936,
    tiedEmbeddings: true,
    maxPositionEmbeddings: 32_768,
    dtypeBytes: 2,
    chatTemplate: 'chatml',
  },
  'Qwen/Qwen2.5-7B-Instruct': {
    id: 'Qwen/Qwen2.5-7B-Instruct',
    hiddenSize: 3584,
    intermediateSize: 18_944,
    layers: 28,
    heads: 28,
    kvHeads: 4,
    vocabSize: 152_064,
    tiedEmbeddings: false,
    maxPositionEmbeddings: 32_768,
    dtypeBytes: 2,
    chatTemplate: 'chatml',
  },
  'meta-llama/Llama-3.1-8B-Instruct': {
    id: 'meta-llama/Llama-3.1-8B-Instruct',
    hiddenSize: 4096,
    intermediateSize: 14_336,
    layers: 32,
    heads: 32,
    kvHeads: 8,
    vocabSize: 128_256,
    tiedEmbeddings: false,
    maxPositionEmbeddings: 131_072,
    dtypeBytes: 2,
    chatTemplate: 'llama3',
  },
  'meta-llama/Llama-3.1-70B-Instruct': {
    id: 'meta-llama/Llama-3.1-70B-Instruct',
    hiddenSize: 8192,
    intermediateSize: 28_672,
    layers: 80,
    heads: 64,
    kvHeads: 8,
    vocabSize: 128_256,
    tiedEmbeddings: false,
    maxPositionEmbeddings: 131_072,
    dtypeBytes: 2,
    chatTemplate: 'llama3',
  },
} as const satisfies Record<string, ModelProfile>;

export const modelIds = Object.keys(modelProfiles);

/** Accepts the full id or its last path segment, case-insensitively ("qwen2.5-1.5b-instruct"). */
export function findModel(name: string): ModelProfile | undefined {
  const wanted = name.toLowerCase();
  for (const profile of Object.values(modelProfiles) as ModelProfile[]) {
    const id = profile.id.toLowerCase();
    if (id === wanted || id.split('/')[1] === wanted) return profile;
  }
  return undefined;
}

export function headDim(m: ModelProfile): number {
  return m.hiddenSize / m.heads;
}

/** Weights inside the transformer blocks (attention + SwiGLU MLP), without norms and biases. */
export function blockParams(m: ModelProfile): number {
  const d = headDim(m);
  const attention = m.hiddenSize * m.heads * d * 2 + m.hiddenSize * m.kvHeads * d * 2;
  const mlp = 3 * m.hiddenSize * m.intermediateSize;
  return m.layers * (attention + mlp);
}

export function embeddingParams(m: ModelProfile): number {
  return m.vocabSize * m.hiddenSize;
}

export function totalParams(m: ModelProfile): number {
  return blockParams(m) + embeddingParams(m) * (m.tiedEmbeddings ? 1 : 2);
}

export function weightBytes(m: ModelProfile): number {
  return totalParams(m) * m.dtypeBytes;
}

/** K and V of one token over all layers. */
export function kvBytesPerToken(m: ModelProfile): number {
  return 2 * m.layers * m.kvHeads * headDim(m) * m.dtypeBytes;
}
