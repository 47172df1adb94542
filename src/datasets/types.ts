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

export interface Dataset {
  readonly name: string;
  /** `n` requests, deterministic for a given rng state. */
  sample(n: number, rng: Rng, tokens: TokenCounter): Promise<SampledRequest[]>;
}
