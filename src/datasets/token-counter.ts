import { DatasetError } from './errors.ts';
import type { Prompt, TextCodec, TokenCounter } from './types.ts';

/**
 * Rough token count of a text without a tokenizer. The larger of three simple lower bounds:
 * - characters / 4 (BPE tokenizers average about 4 characters of English per token),
 * - words + punctuation marks (a word or a mark is rarely less than one token),
 * - CJK / kana / hangul characters (about one token each or more).
 * Expect roughly +-25 % on English prose and worse on code, numbers and other scripts; every
 * count made this way is reported as estimated.
 */
export function estimateTokens(text: string): number {
  if (text.length === 0) return 0;
  const byChars = Math.ceil(text.length / 4);
  const wordsAndMarks = text.match(/[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu)?.length ?? 0;
  const cjk =
    text.match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu)?.length ?? 0;
  return Math.max(byChars, wordsAndMarks, cjk);
}

/** Counts token-ID prompts exactly (their length) and estimates text with estimateTokens. */
export function estimateTokenCounter(): TokenCounter {
  return {
    async count(prompts: Prompt[]) {
      const counts = prompts.map((p) => (typeof p === 'string' ? estimateTokens(p) : p.length));
      return { counts, estimated: prompts.some((p) => typeof p === 'string') };
    },
  };
}

export interface ServerTokenCounterOptions {
  /** Defaults to the global fetch. */
  fetchImpl?: typeof fetch;
  /** /tokenize calls in flight at once. */
  concurrency?: number;
  /** Per-call timeout. */
  timeoutMs?: number;
  /** Extra HTTP headers (the run's `--header`s, e.g. authorization). */
  headers?: Record<string, string>;
}

/**
 * The request shape a server's /tokenize takes: vLLM's `{model, prompt}` (answering `count`) or
 * llama.cpp's `{content}` (answering `tokens` only, and `{"tokens": []}` to vLLM's shape).
 */
export type TokenizeShape = 'vllm' | 'llama.cpp';

export interface ServerTokenCounter extends TokenCounter, TextCodec {
  /** `max_model_len` from the last /tokenize answer; undefined before one, after falling back, or from llama.cpp. */
  readonly maxModelLen: number | undefined;
  /** Why counting fell back to estimates (no /tokenize); undefined while the server answers. */
  readonly fallbackReason: string | undefined;
  /** The /tokenize shape the server answered to; undefined before the first text was counted. */
  readonly tokenizeShape: TokenizeShape | undefined;
}

/** A server answer, or `missing` when the endpoint is not there (404, 405, nothing listening). */
type Answer = { missing: false; body: string } | { missing: true; reason: string };

/**
 * Counts text prompts with the server's own tokenizer through `POST /tokenize`, in either of the
 * shapes real engines take: vLLM's `{model, prompt}` -> `{count, tokens, max_model_len}` or
 * llama.cpp's `{content}` -> `{tokens}`. The shape is found once, on the first non-empty text, and
 * kept: vLLM's is tried first, and an answer without `count` whose `tokens` are empty for that
 * text (llama.cpp reads no `prompt`) is asked again in llama.cpp's. A non-empty text that still
 * counts 0 tokens is a DatasetError, never a count. Token-ID prompts are counted by length
 * without a call. Prompts are counted with the special tokens the server adds to a completion
 * (BOS), as vLLM bench counts them.
 *
 * Also the server's /detokenize (vLLM: `{model, tokens}` -> `{prompt}`; llama.cpp: `{tokens}` ->
 * `{content}`; one request serves both) and content counts without special tokens, for chat
 * prompts built from token IDs (text-prompts.ts).
 *
 * A server without /tokenize (404, 405) or without anything listening (connection refused)
 * switches the counter to estimateTokenCounter for good, its counts come back `estimated: true`
 * and `fallbackReason` says why; a server without /detokenize sets `detokenizeFallbackReason`.
 * Any other failure is a DatasetError.
 *
 * `baseUrl` is the server root; a trailing `/v1` is dropped, since /tokenize sits beside it.
 */
export function serverTokenCounter(
  baseUrl: string,
  model: string,
  options: ServerTokenCounterOptions = {},
): ServerTokenCounter {
  const fetchImpl = options.fetchImpl ?? fetch;
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const root = baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  const estimator = estimateTokenCounter();
  let maxModelLen: number | undefined;
  let fallbackReason: string | undefined;
  let detokenizeFallbackReason: string | undefined;
  let shape: TokenizeShape | undefined;
  /** The first detection in flight: later texts wait for it instead of each probing both shapes. */
  let detecting: Promise<unknown> | undefined;

  async function post(path: string, payload: unknown): Promise<Answer> {
    const url = `${root}${path}`;
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method: 'POST',
        headers: { ...options.headers, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      if (causeCode(error) === 'ECONNREFUSED') {
        return { missing: true, reason: `nothing listens at ${url} (connection refused)` };
      }
      throw new DatasetError(
        `token counting failed: POST ${url}: ${describe(error)}`,
        'Check that the server is reachable, or count without a server (estimateTokenCounter).',
        { cause: error },
      );
    }
    const body = await response.text();
    // vLLM answers 404 for an unknown model too ("The model `x` does not exist."): that is a
    // mistake to report, not a missing endpoint.
    if (response.status === 404 && /\bmodel\b/i.test(body)) {
      throw new DatasetError(
        `token counting failed: POST ${url} answered HTTP 404: ${body.slice(0, 200)}`,
        `Check that the model name "${model}" is the one the server serves (GET /v1/models lists them).`,
      );
    }
    if (response.status === 404 || response.status === 405) {
      return { missing: true, reason: `${url} answered HTTP ${response.status}` };
    }
    if (!response.ok) {
      throw new DatasetError(
        `token counting failed: POST ${url} answered HTTP ${response.status}: ${body.slice(0, 200)}`,
        `Check that the model name "${model}" is the one the server serves.`,
      );
    }
    return { missing: false, body };
  }

  /** The token count in a /tokenize answer: `count`, else the length of `tokens`. */
  function readCount(body: string): { count: number; counted: boolean } {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    const answer = parsed as { count?: unknown; tokens?: unknown; max_model_len?: unknown } | undefined;
    if (typeof answer?.max_model_len === 'number') maxModelLen = answer.max_model_len;
    if (typeof answer?.count === 'number' && Number.isSafeInteger(answer.count) && answer.count >= 0) {
      return { count: answer.count, counted: true };
    }
    if (Array.isArray(answer?.tokens)) return { count: answer.tokens.length, counted: false };
    throw new DatasetError(
      `token counting failed: POST ${root}/tokenize answered without a count: ${body.slice(0, 200)}`,
      'The server must answer /tokenize like vLLM ({"count": n, "tokens": [...]}) or llama.cpp ({"tokens": [...]}).',
    );
  }

  // vLLM adds special tokens by default (left unsaid, as vLLM bench's own body), llama.cpp does not.
  const request = (as: TokenizeShape, text: string, special: boolean) =>
    as === 'vllm'
      ? { model, prompt: text, ...(special ? {} : { add_special_tokens: false }) }
      : { content: text, add_special: special };

  /** Token count of one text, or undefined when the server has no /tokenize. */
  async function tokenize(text: string, special: boolean): Promise<number | undefined> {
    if (shape === undefined && text !== '') {
      if (detecting === undefined) {
        const detection = detect(text, special);
        detecting = detection.catch(() => undefined);
        return detection;
      }
      await detecting;
    }
    if (fallbackReason !== undefined) return undefined;
    const answer = await post('/tokenize', request(shape ?? 'vllm', text, special));
    if (answer.missing) {
      fallbackReason = answer.reason;
      return undefined;
    }
    const { count } = readCount(answer.body);
    if (text !== '' && count === 0) throw zeroTokens(text, shape ?? 'vllm');
    return count;
  }

  /** Counts `text` (non-empty) in vLLM's shape, then llama.cpp's when that one read nothing. */
  async function detect(text: string, special: boolean): Promise<number | undefined> {
    const first = await post('/tokenize', request('vllm', text, special));
    if (first.missing) {
      fallbackReason = first.reason;
      return undefined;
    }
    const vllm = readCount(first.body);
    if (vllm.counted || vllm.count > 0) {
      shape = 'vllm';
      if (vllm.count === 0) throw zeroTokens(text, 'vllm');
      return vllm.count;
    }
    const second = await post('/tokenize', request('llama.cpp', text, special));
    const llama = second.missing ? undefined : readCount(second.body).count;
    if (llama === undefined || llama === 0) throw zeroTokens(text, 'both');
    shape = 'llama.cpp';
    return llama;
  }

  function zeroTokens(text: string, tried: TokenizeShape | 'both'): DatasetError {
    const shapes =
      tried === 'both'
        ? "in vLLM's shape ({model, prompt}) and llama.cpp's ({content})"
        : tried === 'vllm'
          ? "in vLLM's shape ({model, prompt})"
          : "in llama.cpp's shape ({content})";
    return new DatasetError(
      `token counting failed: POST ${root}/tokenize counted 0 tokens for a non-empty text ${shapes}: ` +
        JSON.stringify(text.slice(0, 60)),
      'The server must tokenize text like vLLM ({"model", "prompt"} -> {"count"}) or llama.cpp ({"content"} -> {"tokens"}).',
    );
  }

  return {
    get maxModelLen() {
      return maxModelLen;
    },
    get fallbackReason() {
      return fallbackReason;
    },
    get detokenizeFallbackReason() {
      return detokenizeFallbackReason;
    },
    get tokenizeShape() {
      return shape;
    },
    async count(prompts: Prompt[]) {
      const counts = new Array<number>(prompts.length);
      let next = 0;
      let failed = false;
      const worker = async (): Promise<void> => {
        while (!failed && fallbackReason === undefined && next < prompts.length) {
          const i = next++;
          const prompt = prompts[i] as Prompt;
          if (typeof prompt !== 'string') {
            counts[i] = prompt.length;
            continue;
          }
          try {
            const count = await tokenize(prompt, true);
            if (count !== undefined) counts[i] = count;
          } catch (error) {
            failed = true; // stop the other workers from sending more
            throw error;
          }
        }
      };
      if (fallbackReason === undefined) {
        await Promise.all(Array.from({ length: Math.min(concurrency, prompts.length) }, worker));
      }
      if (fallbackReason !== undefined) {
        // Estimate everything, so one batch never mixes counted and estimated prompts.
        return estimator.count(prompts);
      }
      return { counts, estimated: false };
    },
    async countContent(text: string) {
      if (fallbackReason !== undefined) return undefined;
      return tokenize(text, false);
    },
    async detokenize(ids: number[]) {
      if (detokenizeFallbackReason !== undefined) return undefined;
      const answer = await post('/detokenize', { model, tokens: ids });
      if (answer.missing) {
        detokenizeFallbackReason = answer.reason;
        return undefined;
      }
      let parsed: { prompt?: unknown; content?: unknown } | undefined;
      try {
        parsed = JSON.parse(answer.body) as typeof parsed;
      } catch {
        parsed = undefined;
      }
      const text = typeof parsed?.prompt === 'string' ? parsed.prompt : parsed?.content;
      if (typeof text !== 'string' || (text === '' && ids.length > 0)) {
        throw new DatasetError(
          `detokenizing failed: POST ${root}/detokenize answered ${typeof text === 'string' ? `an empty text for ${ids.length} tokens` : 'without a text'}: ${answer.body.slice(0, 200)}`,
          'The server must answer /detokenize like vLLM ({"prompt": text}) or llama.cpp ({"content": text}); token IDs must be in its vocabulary (lower the dataset\'s vocab_size).',
        );
      }
      return text;
    },
  };
}

function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
    // undici wraps a refused connection in an AggregateError when several addresses were tried.
    if (current instanceof AggregateError) {
      const inner = current.errors.map(causeCode).find((c) => c !== undefined);
      if (inner !== undefined) return inner;
    }
    current = current.cause;
  }
  return undefined;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
