import type { Rng } from '../core/rng.ts';

/** A prompt as sent: text, or token IDs (vLLM's `/v1/completions` accepts both). */
export type Prompt = string | number[];

/** One request a dataset asks the load engine to send. */
export interface SampledRequest {
  prompt: Prompt;
  /** Prompt length in tokens; see `promptTokensEstimated`. */
  promptTokens: number;
  /** True when promptTokens is a heuristic estimate rather than a tokenizer's count. */
  promptTokensEstimated: boolean;
  /** `max_tokens` for the request (exact output length when sent with `ignore_eos`). */
  maxTokens: number;
}

/** Counts prompt tokens, ideally with the server's own tokenizer. */
export interface TokenCounter {
  /** Token count of each prompt, in order. `estimated` is true when no real tokenizer answered. */
  count(prompts: Prompt[]): Promise<{ counts: number[]; estimated: boolean }>;
}

/**
 * The server's tokenizer both ways, to turn token IDs into text of a set token length (chat
 * endpoints take text only): text-prompts.ts.
 */
export interface TextCodec {
  /** Tokens of `text` as a message's content (no special tokens added); undefined when no tokenizer answers. */
  countContent(text: string): Promise<number | undefined>;
  /** The text of token IDs; undefined when the server has no /detokenize. */
  detokenize(ids: number[]): Promise<string | undefined>;
  /** Why `detokenize` gives nothing (no /detokenize); undefined while the server answers. */
  readonly detokenizeFallbackReason: string | undefined;
}

export interface Dataset {
  readonly name: string;
  /** `n` requests, deterministic for a given rng state. */
  sample(n: number, rng: Rng, tokens: TokenCounter): Promise<SampledRequest[]>;
}
