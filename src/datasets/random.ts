import type { Rng } from '../core/rng.ts';
import { DatasetError } from './errors.ts';
import { checkCount, randomTokenIds } from './sampling.ts';
import { type OptionsOf, parseSpecAs } from './spec.ts';
import type { Dataset, SampledRequest } from './types.ts';

export type RandomOptions = OptionsOf<'random'>;

/** Inclusive integer range [floor(len*(1-r)), ceil(len*(1+r))], as vLLM's get_sampling_params. */
export function lengthRange(len: number, rangeRatio: number): { low: number; high: number } {
  return { low: Math.floor(len * (1 - rangeRatio)), high: Math.ceil(len * (1 + rangeRatio)) };
}

/**
 * vLLM's random dataset with token-ID prompts: one random prefix of `prefix_len` tokens shared
 * by every request, then `input_len` +- range_ratio tokens of its own; `output_len` +- range_ratio
 * output tokens (at least 1). Token IDs are sent as such, so `promptTokens` is exact; a chat
 * endpoint takes text, so runLoad decodes them to text of the same token length (text-prompts.ts).
 *
 * Differences from vLLM: the per-request part is drawn token by token, where vLLM takes a run
 * of consecutive IDs from a random offset (two requests whose offsets coincide then share a
 * cacheable prefix by accident); no tokenizer special tokens are subtracted from input_len,
 * because token-ID prompts get none added.
 */
export function randomDataset(options: RandomOptions = {}): Dataset {
  const spec = parseSpecAs('random', options);
  const input = lengthRange(spec.input_len, spec.range_ratio);
  const output = lengthRange(spec.output_len, spec.range_ratio);
  if (spec.prefix_len + input.low < 1) {
    throw new DatasetError(
      `random-input-len is too small: with random-range-ratio ${spec.range_ratio} a prompt could have ` +
        `${spec.prefix_len + input.low} tokens`,
      'Raise input_len or prefix_len, or lower range_ratio, so that prefix_len + floor(input_len * (1 - range_ratio)) >= 1.',
    );
  }
  const outputLow = Math.max(1, output.low);
  return {
    name: 'random',
    async sample(n: number, rng: Rng): Promise<SampledRequest[]> {
      checkCount(n);
      const prefix = randomTokenIds(rng, spec.prefix_len, spec.vocab_size);
      const requests: SampledRequest[] = [];
      for (let i = 0; i < n; i++) {
        const inputLen = rng.int(input.low, input.high);
        const maxTokens = rng.int(outputLow, Math.max(outputLow, output.high));
        const prompt = prefix.concat(randomTokenIds(rng, inputLen, spec.vocab_size));
        requests.push({ prompt, promptTokens: prompt.length, promptTokensEstimated: false, maxTokens });
      }
      return requests;
    },
  };
}
