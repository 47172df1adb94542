import type { Rng } from '../core/rng.ts';
import { DatasetError } from './errors.ts';
import { checkCount, randomTokenIds, shuffleInPlace } from './sampling.ts';
import { type OptionsOf, parseSpecAs } from './spec.ts';
import type { Dataset, SampledRequest } from './types.ts';

export type PrefixRepetitionOptions = OptionsOf<'prefix-repetition'>;

/**
 * vLLM's prefix repetition dataset with token-ID prompts: `num_prefixes` random prefixes of
 * `prefix_len` tokens; request i gets prefix i mod num_prefixes and a fresh random suffix of
 * `suffix_len` tokens, and asks for `output_len` tokens; the requests are then shuffled with
 * the rng. Prompt lengths are exact.
 *
 * Differences from vLLM: vLLM makes n div num_prefixes requests per prefix (dropping the
 * remainder, and refusing n < num_prefixes); we always return exactly n, so when n is not a
 * multiple the first prefixes get one request more, and with n < num_prefixes only n are used.
 * Token IDs avoid 0..99 (see FIRST_TOKEN_ID).
 */
export function prefixRepetitionDataset(options: PrefixRepetitionOptions = {}): Dataset {
  const spec = parseSpecAs('prefix-repetition', options);
  if (spec.prefix_len + spec.suffix_len < 1) {
    throw new DatasetError(
      'prefix-repetition-prefix-len + prefix-repetition-suffix-len must be at least 1, got 0',
      'Give the prompts at least one token (prefix_len or suffix_len).',
    );
  }
  return {
    name: 'prefix-repetition',
    async sample(n: number, rng: Rng): Promise<SampledRequest[]> {
      checkCount(n);
      const prefixes = Array.from({ length: spec.num_prefixes }, () =>
        randomTokenIds(rng, spec.prefix_len, spec.vocab_size),
      );
      const requests: SampledRequest[] = [];
      for (let i = 0; i < n; i++) {
        const prefix = prefixes[i % spec.num_prefixes] as number[];
        const prompt = prefix.concat(randomTokenIds(rng, spec.suffix_len, spec.vocab_size));
        requests.push({
          prompt,
          promptTokens: prompt.length,
          promptTokensEstimated: false,
          maxTokens: spec.output_len,
        });
      }
      return shuffleInPlace(requests, rng);
    },
  };
}
