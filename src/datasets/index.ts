import { jsonlDataset } from './jsonl.ts';
import { prefixRepetitionDataset } from './prefix-repetition.ts';
import { randomDataset } from './random.ts';
import { sharegptDataset } from './sharegpt.ts';
import { type DatasetSpecInput, parseDatasetSpec } from './spec.ts';
import type { Dataset } from './types.ts';

export { DatasetError } from './errors.ts';
export {
  type JsonlDataset,
  type JsonlOptions,
  type JsonlPrompt,
  jsonlDataset,
  parseJsonlPrompts,
} from './jsonl.ts';
export { type PrefixRepetitionOptions, prefixRepetitionDataset } from './prefix-repetition.ts';
export { lengthRange, type RandomOptions, randomDataset } from './random.ts';
export { FIRST_TOKEN_ID } from './sampling.ts';
export {
  parseShareGpt,
  type RejectReason,
  rejectReason,
  type ShareGptDataset,
  type ShareGptFile,
  type ShareGptPair,
  type ShareGptSampleStats,
  type SharegptOptions,
  sharegptDataset,
} from './sharegpt.ts';
export {
  type DatasetName,
  type DatasetSpec,
  type DatasetSpecInput,
  datasetNames,
  datasetSpecSchema,
  parseDatasetSpec,
} from './spec.ts';
export {
  type TextPromptsOptions,
  type TextPromptsResult,
  textPrompts,
  vocabBound,
} from './text-prompts.ts';
export {
  estimateTokenCounter,
  estimateTokens,
  type ServerTokenCounter,
  type ServerTokenCounterOptions,
  serverTokenCounter,
  type TokenizeShape,
} from './token-counter.ts';
export type { Dataset, Prompt, SampledRequest, TextCodec, TokenCounter } from './types.ts';

/**
 * Builds a dataset from a spec (validated here: a bad one throws DatasetError naming the field).
 * File datasets are read now, so a missing or malformed file fails before any load is sent.
 */
export async function createDataset(spec: DatasetSpecInput): Promise<Dataset> {
  const parsed = parseDatasetSpec(spec);
  switch (parsed.name) {
    case 'random':
      return randomDataset(parsed);
    case 'sharegpt':
      return sharegptDataset(parsed);
    case 'jsonl':
      return jsonlDataset(parsed);
    case 'prefix-repetition':
      return prefixRepetitionDataset(parsed);
  }
}
