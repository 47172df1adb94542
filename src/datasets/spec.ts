import { type ZodError, z } from 'zod';
import { DatasetError } from './errors.ts';
import { FIRST_TOKEN_ID } from './sampling.ts';

/**
 * Largest token count of a prompt part or an output (2^20: above any model's context today).
 * Counts beyond it are typos; they would only fill memory before the first request.
 */
export const MAX_TOKENS = 1_048_576;
/** Largest vocabulary a random prompt draws token IDs from. */
export const MAX_VOCAB_SIZE = 10_000_000;
/** Most distinct prefixes of the prefix-repetition dataset. */
export const MAX_PREFIXES = 1_000_000;

const fmt = (n: number) => n.toLocaleString('en-US');
// Every check carries its own expectation so that errors read "<flag> <expectation>, got <value>".
const intIn = (min: number, max: number, expected: string) =>
  z
    .int({ error: `must be ${expected}` })
    .min(min, { error: `must be ${expected}` })
    .max(max, { error: `must be at most ${fmt(max)}` });
const positiveInt = (max = MAX_TOKENS) => intIn(1, max, 'a positive integer');
const nonNegativeInt = (max = MAX_TOKENS) => intIn(0, max, 'a non-negative integer');
const filePath = () =>
  z.string({ error: 'must be a file path (string)' }).min(1, { error: 'must be a non-empty file path' });
const shuffle = () => z.boolean({ error: 'must be true or false' }).default(true);
const vocabSize = () =>
  intIn(FIRST_TOKEN_ID + 1, MAX_VOCAB_SIZE, `an integer above ${FIRST_TOKEN_ID}`).default(32000);

/** vLLM's random dataset: synthetic token-ID prompts (defaults as `vllm bench serve`). */
export const randomSpecSchema = z.strictObject({
  name: z.literal('random'),
  /** Sampled (non-prefix) prompt length; the prompt is prefix_len + a length around input_len. */
  input_len: positiveInt().default(1024),
  output_len: positiveInt().default(128),
  /** Lengths are uniform integers in [floor(len*(1-r)), ceil(len*(1+r))]. */
  range_ratio: z
    .number({ error: 'must be a number in [0, 1)' })
    .min(0, { error: 'must be a number in [0, 1)' })
    .lt(1, { error: 'must be a number in [0, 1)' })
    .default(0),
  /** Random token-ID prefix shared by every request. */
  prefix_len: nonNegativeInt().default(0),
  /** Token IDs are drawn from [100, vocab_size). */
  vocab_size: vocabSize(),
});

/** ShareGPT-format JSON: first human turn is the prompt, the next turn the completion. */
export const sharegptSpecSchema = z.strictObject({
  name: z.literal('sharegpt'),
  path: filePath(),
  /** Fixed output length; without it, each request's is the completion's token count. */
  output_len: positiveInt().optional(),
  /** Shuffle conversations with the rng before taking them (vLLM: unless --disable-shuffle). */
  shuffle: shuffle(),
});

/** JSONL prompts, one `{"prompt": ..., "output_tokens"?: n}` per line (vLLM's custom dataset). */
export const jsonlSpecSchema = z.strictObject({
  name: z.literal('jsonl'),
  path: filePath(),
  /** Output length for lines that give none (vLLM --custom-output-len). */
  output_len: positiveInt().default(256),
  shuffle: shuffle(),
});

/** vLLM's prefix repetition dataset: num_prefixes shared prefixes, each + a random suffix. */
export const prefixRepetitionSpecSchema = z.strictObject({
  name: z.literal('prefix-repetition'),
  prefix_len: nonNegativeInt().default(256),
  suffix_len: nonNegativeInt().default(256),
  num_prefixes: positiveInt(MAX_PREFIXES).default(10),
  output_len: positiveInt().default(128),
  vocab_size: vocabSize(),
});

export const datasetSpecSchema = z.discriminatedUnion('name', [
  randomSpecSchema,
  sharegptSpecSchema,
  jsonlSpecSchema,
  prefixRepetitionSpecSchema,
]);

/** A validated spec, defaults filled in. */
export type DatasetSpec = z.infer<typeof datasetSpecSchema>;
/** What a user may write: defaulted fields optional. */
export type DatasetSpecInput = z.input<typeof datasetSpecSchema>;
export type RandomSpec = z.infer<typeof randomSpecSchema>;
export type SharegptSpec = z.infer<typeof sharegptSpecSchema>;
export type JsonlSpec = z.infer<typeof jsonlSpecSchema>;
export type PrefixRepetitionSpec = z.infer<typeof prefixRepetitionSpecSchema>;

export const datasetNames = ['random', 'sharegpt', 'jsonl', 'prefix-repetition'] as const;
export type DatasetName = (typeof datasetNames)[number];

/** Validates `input` and fills defaults; throws DatasetError naming the field on bad input. */
export function parseDatasetSpec(input: unknown): DatasetSpec {
  const result = datasetSpecSchema.safeParse(input);
  if (result.success) return result.data;
  throw specError(input, result.error);
}

/** Options of one dataset as a user writes them: its spec without `name`. */
export type OptionsOf<N extends DatasetName> = Omit<Extract<DatasetSpecInput, { name: N }>, 'name'>;

/** parseDatasetSpec for a known dataset name, typed accordingly. */
export function parseSpecAs<N extends DatasetName>(
  name: N,
  options: OptionsOf<N>,
): Extract<DatasetSpec, { name: N }> {
  // Safe: the discriminated union only accepts `name` with its own schema.
  return parseDatasetSpec({ ...options, name }) as Extract<DatasetSpec, { name: N }>;
}

/** vLLM-style flag name for a spec field: random + input_len -> random-input-len. */
export function flagName(dataset: string, field: string): string {
  return `${dataset}-${field.replaceAll('_', '-')}`;
}

function specError(input: unknown, error: ZodError): DatasetError {
  const name =
    typeof input === 'object' && input !== null ? (input as Record<string, unknown>).name : undefined;
  const lines = error.issues.map((issue) => {
    const field = issue.path.map(String).join('.');
    if (issue.code === 'invalid_type' && issue.path.length === 0) {
      return `dataset spec must be an object, got ${show(input)}`;
    }
    if (issue.code === 'invalid_union' && field === 'name') {
      return `dataset name must be one of ${datasetNames.map((n) => `"${n}"`).join(', ')}, got ${show(name)}`;
    }
    if (issue.code === 'unrecognized_keys') {
      return `${String(name)} dataset has unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    const value = valueAt(input, issue.path);
    const flag = flagName(String(name), field);
    return `${flag} ${issue.message}, got ${show(value)} (spec field "${field}")`;
  });
  const known = datasetSpecSchema.options.find((o) => o.shape.name.value === name);
  const hint = known
    ? `Fields of the "${name}" dataset: ${Object.keys(known.shape).join(', ')}.`
    : `Pick a dataset name: ${datasetNames.join(', ')}.`;
  return new DatasetError(lines.join('; '), hint, { cause: error });
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
