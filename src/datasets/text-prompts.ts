import type { Rng } from '../core/rng.ts';
import { FIRST_TOKEN_ID, randomTokenIds } from './sampling.ts';
import { estimateTokens } from './token-counter.ts';
import type { SampledRequest, TextCodec } from './types.ts';

/** Decode, count and adjust rounds per prompt, as vLLM's gen_prompt_decode_to_target_len (max_retry). */
const MAX_ADJUSTMENTS = 10;

/**
 * Common English words, each one token (with its leading space) in the usual BPE vocabularies:
 * the text of a chat prompt when the server cannot decode token IDs.
 */
export const ONE_TOKEN_WORDS = (
  'the of and to in is you that it he was for on are as with his they at be this have from or one had ' +
  'by word but not what all were we when your can said there use an each which she do how their if will ' +
  'up other about out many then them these so some her would make like him into time has look two more ' +
  'write go see number no way could people my than first water been call who oil its now find long down ' +
  'day did get come made may part over new sound take only little work know place year live me back give ' +
  'most very after thing our just name good sentence man think say great where help through much before ' +
  'line right too mean old any same tell boy follow came want show also around form three small set put'
).split(' ');

export interface TextPromptsOptions {
  /** Token IDs drawn to lengthen a prompt come from [FIRST_TOKEN_ID, vocabSize). */
  vocabSize: number;
  /** Prompts converted at once (each is a few /detokenize and /tokenize calls). */
  concurrency?: number;
}

export interface TextPromptsResult {
  samples: SampledRequest[];
  /** What a user must know about the prompts: generated words instead of decoded IDs, lengths off target. */
  notes: string[];
}

/**
 * Chat endpoints take text only, so every token-ID prompt becomes text of the same token length,
 * as vLLM's RandomDataset makes its prompts (gen_prompt_decode_to_target_len): the IDs are
 * decoded with the server's /detokenize, the text is counted with its /tokenize (as a message's
 * content, no special tokens), and the IDs are cut or lengthened with random ones by the
 * difference, up to MAX_ADJUSTMENTS times. `promptTokens` is the last count, so a prompt that did
 * not reach its length says so (and a note counts them). Without /detokenize the text is common
 * words sized the same way, by /tokenize when there is one, else by the estimator, and then
 * `promptTokensEstimated` is true; a note says so either way. Text prompts pass unchanged.
 * Deterministic for a given rng and server: each prompt draws from its own fork.
 */
export async function textPrompts(
  samples: readonly SampledRequest[],
  codec: TextCodec | undefined,
  rng: Rng,
  options: TextPromptsOptions,
): Promise<TextPromptsResult> {
  const out = samples.slice();
  let next = 0;
  let asWords = 0;
  let wordsEstimated = false;
  let off = 0;
  let offTokens = 0;
  let converted = 0;
  const worker = async (): Promise<void> => {
    while (next < out.length) {
      const i = next++;
      const sample = out[i] as SampledRequest;
      if (typeof sample.prompt === 'string') continue;
      converted++;
      const target = sample.prompt.length;
      const own = rng.fork(`text-prompt-${i}`);
      const decoded =
        codec === undefined
          ? undefined
          : await fitLength(
              sample.prompt,
              target,
              codec,
              (ids) => codec.detokenize(ids),
              (k) => randomTokenIds(own, k, options.vocabSize),
            );
      // Words always render, so this fit always gives a text.
      const fitted =
        decoded ??
        ((await fitLength(
          pickWords(own, target),
          target,
          codec,
          async (words) => words.join(' '),
          (k) => pickWords(own, k),
        )) as Fitted);
      if (decoded === undefined) {
        asWords++;
        if (fitted.estimated) wordsEstimated = true;
      }
      if (fitted.tokens !== target) {
        off++;
        offTokens += Math.abs(fitted.tokens - target);
      }
      out[i] = {
        prompt: fitted.text,
        promptTokens: fitted.tokens,
        promptTokensEstimated: fitted.estimated,
        maxTokens: sample.maxTokens,
      };
    }
  };
  const concurrency = Math.max(1, options.concurrency ?? 8);
  await Promise.all(Array.from({ length: Math.min(concurrency, out.length) }, worker));

  const notes: string[] = [];
  if (asWords > 0) {
    const why = codec?.detokenizeFallbackReason ?? 'no server tokenizer was given';
    notes.push(
      `${asWords} of ${converted} chat prompts are common words, not text decoded from the dataset's token IDs ` +
        `(the server has no /detokenize: ${why}); their lengths were ` +
        (wordsEstimated ? 'estimated (no /tokenize either)' : "counted with the server's /tokenize"),
    );
  }
  if (off > 0) {
    notes.push(
      `${off} of ${converted} chat prompts missed their token length after ${MAX_ADJUSTMENTS} adjustments ` +
        `(${offTokens} tokens off in all); their prompt_tokens are what they counted`,
    );
  }
  return { samples: out, notes };
}

interface Fitted {
  text: string;
  tokens: number;
  estimated: boolean;
}

/**
 * Renders `units` (token IDs or words) to text and adjusts their number until the text counts
 * `target` tokens; undefined when `render` cannot (no /detokenize).
 */
async function fitLength<T>(
  units: T[],
  target: number,
  codec: TextCodec | undefined,
  render: (units: T[]) => Promise<string | undefined>,
  more: (k: number) => T[],
): Promise<Fitted | undefined> {
  let current = units;
  for (let round = 0; ; round++) {
    const text = await render(current);
    if (text === undefined) return undefined;
    const counted = codec === undefined ? undefined : await codec.countContent(text);
    const tokens = counted ?? estimateTokens(text);
    const done = tokens === target || round === MAX_ADJUSTMENTS || (tokens > target && current.length === 1);
    if (done) return { text, tokens, estimated: counted === undefined };
    // Step by the tokens a unit made this round (an ID is about one token, a word one or more):
    // a step of one unit per token missed would overshoot, back and forth, with multi-token units.
    const perUnit = tokens / current.length;
    const step = Math.max(1, Math.round(Math.abs(tokens - target) / (perUnit || 1)));
    current =
      tokens > target ? current.slice(0, Math.max(1, current.length - step)) : current.concat(more(step));
  }
}

function pickWords(rng: Rng, count: number): string[] {
  return Array.from(
    { length: count },
    () => ONE_TOKEN_WORDS[rng.int(0, ONE_TOKEN_WORDS.length - 1)] as string,
  );
}

/** The vocabulary bound for lengthening prompts of a dataset without a `vocab_size`: past its largest ID. */
export function vocabBound(samples: readonly SampledRequest[]): number {
  let max = FIRST_TOKEN_ID;
  for (const s of samples)
    if (typeof s.prompt !== 'string') for (const id of s.prompt) if (id > max) max = id;
  return max + 1;
}
