import type { Rng } from '../core/rng.ts';
import { DatasetError } from './errors.ts';

/**
 * Lowest token ID we generate. Tokenizers put their special tokens (BOS, EOS, PAD, UNK, chat
 * markers) at the low end of the vocabulary (Llama 2 / Mistral: 0..2, then 256 byte tokens;
 * GPT-2-style BPE: none there), so skipping 0..99 keeps synthetic prompts clear of tokens that
 * could end or restructure a sequence. vLLM instead asks the tokenizer for its special IDs; we
 * have no tokenizer, and tokenizers that keep specials at the top (Llama 3, Qwen) are covered by
 * `vocab_size` staying below them (32000 by default).
 */
export const FIRST_TOKEN_ID = 100;

/** `count` token IDs drawn independently and uniformly from [FIRST_TOKEN_ID, vocabSize). */
export function randomTokenIds(rng: Rng, count: number, vocabSize: number): number[] {
  const ids = new Array<number>(count);
  for (let i = 0; i < count; i++) ids[i] = rng.int(FIRST_TOKEN_ID, vocabSize - 1);
  return ids;
}

/** Fisher-Yates shuffle in place, driven by `rng`. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  return items;
}

/** `n` items taken in order from `pool`, starting again at the top when the pool runs out. */
export function takeCycling<T>(pool: readonly T[], n: number): T[] {
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = pool[i % pool.length] as T;
  return out;
}

/** Throws unless `n` is a usable request count. */
export function checkCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new DatasetError(
      `number of requests must be a non-negative integer, got ${n}`,
      'Pass a whole number of prompts.',
    );
  }
}
