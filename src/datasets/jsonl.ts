import { readFile } from 'node:fs/promises';
import type { Rng } from '../core/rng.ts';
import { DatasetError } from './errors.ts';
import { checkCount, shuffleInPlace, takeCycling } from './sampling.ts';
import { type OptionsOf, parseSpecAs } from './spec.ts';
import type { Dataset, Prompt, SampledRequest, TokenCounter } from './types.ts';

/** One usable line of a JSONL prompt file. */
export interface JsonlPrompt {
  prompt: Prompt;
  /** From `output_tokens` (or `max_tokens`); undefined when the line gives none. */
  outputTokens: number | undefined;
  /** 1-based line number in the file. */
  line: number;
}

const LINE_HINT =
  'Each non-empty line must be a JSON object {"prompt": "text" or [token IDs], "output_tokens": n} ' +
  '("max_tokens" is accepted for output_tokens; other fields are ignored).';

/**
 * Parses JSONL prompt text; blank lines are skipped, other fields ignored. `path` only names
 * the file in errors, which give the 1-based line number and the field.
 */
export function parseJsonlPrompts(text: string, path: string): JsonlPrompt[] {
  const prompts: JsonlPrompt[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] as string).trim();
    if (raw === '') continue;
    const line = i + 1;
    const fail = (what: string): never => {
      throw new DatasetError(`${path}:${line}: ${what}`, LINE_HINT);
    };
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      fail(`not valid JSON (${(error as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      fail('must be a JSON object');
    }
    const record = value as Record<string, unknown>;
    const prompt = record.prompt;
    if (typeof prompt === 'string') {
      if (prompt.length === 0) fail('"prompt" must not be empty');
    } else if (Array.isArray(prompt)) {
      if (prompt.length === 0 || !prompt.every((t) => Number.isSafeInteger(t) && (t as number) >= 0)) {
        fail('"prompt" as an array must be a non-empty list of token IDs (non-negative integers)');
      }
    } else {
      fail(prompt === undefined ? 'missing "prompt"' : '"prompt" must be a string or an array of token IDs');
    }
    let outputTokens: number | undefined;
    for (const field of ['output_tokens', 'max_tokens']) {
      const v = record[field];
      if (v === undefined || v === null) continue;
      if (!Number.isSafeInteger(v) || (v as number) < 1) {
        fail(`"${field}" must be a positive integer, got ${JSON.stringify(v)}`);
      }
      if (outputTokens !== undefined && outputTokens !== v) {
        fail(`"output_tokens" (${outputTokens}) and "max_tokens" (${v}) disagree; give one`);
      }
      outputTokens = v as number;
    }
    prompts.push({ prompt: prompt as Prompt, outputTokens, line });
  }
  return prompts;
}

/** Reads and parses a JSONL prompt file. */
export async function loadJsonlPrompts(path: string): Promise<JsonlPrompt[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DatasetError(
      `cannot read JSONL file ${path}: ${(error as Error).message}`,
      'Check the path (relative paths start at the working directory).',
      { cause: error },
    );
  }
  const prompts = parseJsonlPrompts(text, path);
  if (prompts.length === 0) throw new DatasetError(`${path} has no prompts`, LINE_HINT);
  return prompts;
}

export interface JsonlDataset extends Dataset {
  readonly prompts: readonly JsonlPrompt[];
}

export type JsonlOptions = OptionsOf<'jsonl'>;

/**
 * vLLM's custom dataset: prompts shuffled with the rng (unless `shuffle: false`), the first `n`
 * taken, repeated in order when the file has fewer. Each request's `maxTokens` is the line's
 * output_tokens, else `output_len` (256 by default, as vLLM's --custom-output-len). No length
 * filter is applied and no chat template either: text prompts are sent as they are.
 */
export async function jsonlDataset(options: JsonlOptions): Promise<JsonlDataset> {
  const spec = parseSpecAs('jsonl', options);
  const prompts = await loadJsonlPrompts(spec.path);
  return {
    name: 'jsonl',
    prompts,
    async sample(n: number, rng: Rng, tokens: TokenCounter): Promise<SampledRequest[]> {
      checkCount(n);
      const order = prompts.slice();
      if (spec.shuffle) shuffleInPlace(order, rng);
      const chosen = order.slice(0, Math.min(n, order.length));
      const { counts, estimated } = await tokens.count(chosen.map((p) => p.prompt));
      const requests = chosen.map(
        (p, i): SampledRequest => ({
          prompt: p.prompt,
          promptTokens: counts[i] as number,
          promptTokensEstimated: estimated && typeof p.prompt === 'string',
          maxTokens: p.outputTokens ?? spec.output_len,
        }),
      );
      return takeCycling(requests, n).map((r) => ({ ...r }));
    },
  };
}
