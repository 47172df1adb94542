import { readFile } from 'node:fs/promises';
import type { Rng } from '../core/rng.ts';
import { DatasetError } from './errors.ts';
import { checkCount, shuffleInPlace, takeCycling } from './sampling.ts';
import { type OptionsOf, parseSpecAs } from './spec.ts';
import type { Dataset, SampledRequest, TokenCounter } from './types.ts';

/** The two turns vLLM uses from a conversation. */
export interface ShareGptPair {
  id: string | undefined;
  /** First turn (normally the human's). */
  prompt: string;
  /** Second turn (normally the model's answer). */
  completion: string;
}

export interface ShareGptFile {
  path: string;
  /** Conversations with at least two turns. */
  pairs: ShareGptPair[];
  /** Entries in the file. */
  entries: number;
  /** Entries skipped for having fewer than two turns (as vLLM does). */
  tooFewTurns: number;
}

const SHAPE_HINT =
  'Entries count from 0. A ShareGPT file is a JSON array of {"id": ..., "conversations": ' +
  '[{"from": "human", "value": "..."}, {"from": "gpt", "value": "..."}, ...]}.';

/** Parses ShareGPT-format JSON text; `path` only names the file in errors. */
export function parseShareGpt(text: string, path: string): ShareGptFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new DatasetError(`${path} is not valid JSON: ${(error as Error).message}`, SHAPE_HINT, {
      cause: error,
    });
  }
  if (!Array.isArray(data)) {
    throw new DatasetError(`${path} must hold a JSON array of conversations, got ${kind(data)}`, SHAPE_HINT);
  }
  const pairs: ShareGptPair[] = [];
  let tooFewTurns = 0;
  data.forEach((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new DatasetError(`${path}: entry ${i} must be an object, got ${kind(entry)}`, SHAPE_HINT);
    }
    const { id, conversations } = entry as { id?: unknown; conversations?: unknown };
    const label = `entry ${i}${typeof id === 'string' ? ` (id "${id}")` : ''}`;
    if (!Array.isArray(conversations)) {
      throw new DatasetError(
        `${path}: ${label} has no "conversations" array (got ${kind(conversations)})`,
        SHAPE_HINT,
      );
    }
    if (conversations.length < 2) {
      tooFewTurns++;
      return;
    }
    const [prompt, completion] = [0, 1].map((t) => {
      const turn = conversations[t] as { value?: unknown } | null;
      if (typeof turn !== 'object' || turn === null || typeof turn.value !== 'string') {
        throw new DatasetError(`${path}: ${label}, turn ${t} has no string "value"`, SHAPE_HINT);
      }
      return turn.value;
    }) as [string, string];
    pairs.push({ id: typeof id === 'string' ? id : undefined, prompt, completion });
  });
  return { path, pairs, entries: data.length, tooFewTurns };
}

/** Reads and parses a ShareGPT-format file. */
export async function loadShareGpt(path: string): Promise<ShareGptFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DatasetError(
      `cannot read ShareGPT file ${path}: ${(error as Error).message}`,
      'Check the path (relative paths start at the working directory).',
      { cause: error },
    );
  }
  return parseShareGpt(text, path);
}

// vLLM's is_valid_sequence defaults (copied there from the original benchmark_serving.py).
const MIN_LEN = 4;
const MAX_PROMPT_LEN = 1024;
const MAX_TOTAL_LEN = 2048;

export type RejectReason = 'prompt-too-short' | 'output-too-short' | 'prompt-too-long' | 'total-too-long';

/**
 * Why vLLM's ShareGPT sampling drops a pair, or undefined to keep it: prompt < 4 tokens,
 * output < 4 tokens (not checked with a fixed output length), prompt > 1024, prompt + output > 2048.
 */
export function rejectReason(
  promptLen: number,
  outputLen: number,
  fixedOutput: boolean,
): RejectReason | undefined {
  if (promptLen < MIN_LEN) return 'prompt-too-short';
  if (!fixedOutput && outputLen < MIN_LEN) return 'output-too-short';
  if (promptLen > MAX_PROMPT_LEN) return 'prompt-too-long';
  if (promptLen + outputLen > MAX_TOTAL_LEN) return 'total-too-long';
  return undefined;
}

/** What the last `sample` call looked at. */
export interface ShareGptSampleStats {
  /** Pairs counted and filtered. */
  examined: number;
  /** Pairs kept (before cycling up to n). */
  accepted: number;
  rejected: Record<RejectReason, number>;
}

export interface ShareGptDataset extends Dataset {
  readonly file: ShareGptFile;
  readonly lastSample: ShareGptSampleStats | undefined;
}

export type SharegptOptions = OptionsOf<'sharegpt'>;

/**
 * vLLM's ShareGPT dataset: pairs shuffled with the rng (unless `shuffle: false`), then counted
 * and filtered in order until `n` pass; fewer than `n` passing pairs are repeated in order.
 * `maxTokens` is the completion's token count unless `output_len` fixes it.
 */
export async function sharegptDataset(options: SharegptOptions): Promise<ShareGptDataset> {
  const spec = parseSpecAs('sharegpt', options);
  const file = await loadShareGpt(spec.path);
  const fixed = spec.output_len;
  let lastSample: ShareGptSampleStats | undefined;

  async function sample(n: number, rng: Rng, tokens: TokenCounter): Promise<SampledRequest[]> {
    checkCount(n);
    const order = file.pairs.slice();
    if (spec.shuffle) shuffleInPlace(order, rng);
    const stats: ShareGptSampleStats = {
      examined: 0,
      accepted: 0,
      rejected: { 'prompt-too-short': 0, 'output-too-short': 0, 'prompt-too-long': 0, 'total-too-long': 0 },
    };
    lastSample = stats;
    const accepted: SampledRequest[] = [];
    let pos = 0;
    while (accepted.length < n && pos < order.length) {
      // Count a batch at a time (a server counter sends one /tokenize per text); ~1.5x the
      // shortfall, since some pairs fail the filters.
      const batch = order.slice(pos, pos + Math.max(32, Math.ceil((n - accepted.length) * 1.5)));
      pos += batch.length;
      const texts =
        fixed === undefined ? batch.flatMap((p) => [p.prompt, p.completion]) : batch.map((p) => p.prompt);
      const { counts, estimated } = await tokens.count(texts);
      const stride = fixed === undefined ? 2 : 1;
      for (let i = 0; i < batch.length && accepted.length < n; i++) {
        const promptTokens = counts[i * stride] as number;
        const maxTokens = fixed ?? (counts[i * stride + 1] as number);
        stats.examined++;
        const reason = rejectReason(promptTokens, maxTokens, fixed !== undefined);
        if (reason !== undefined) {
          stats.rejected[reason]++;
          continue;
        }
        const prompt = (batch[i] as ShareGptPair).prompt;
        accepted.push({ prompt, promptTokens, promptTokensEstimated: estimated, maxTokens });
      }
    }
    stats.accepted = accepted.length;
    if (n > 0 && accepted.length === 0) {
      throw new DatasetError(
        `no conversation in ${file.path} passes the length filters ` +
          `(${file.pairs.length} with 2+ turns; rejected: ${JSON.stringify(stats.rejected)})`,
        `vLLM keeps prompts of ${MIN_LEN}..${MAX_PROMPT_LEN} tokens, outputs of ${MIN_LEN}+ tokens and ` +
          `prompt + output <= ${MAX_TOTAL_LEN}; use a file with such conversations or set output_len.`,
      );
    }
    return takeCycling(accepted, n).map((r) => ({ ...r }));
  }

  return {
    name: 'sharegpt',
    file,
    get lastSample() {
      return lastSample;
    },
    sample,
  };
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'nothing';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
