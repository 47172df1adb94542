import { DatasetError } from './errors.ts';
import type { Prompt, TokenCounter } from './types.ts';

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

export interface ServerTokenCounter extends TokenCounter {
  /** `max_model_len` from the last /tokenize answer; undefined before one or after falling back. */
  readonly maxModelLen: number | undefined;
  /** Why counting fell back to estimates (no /tokenize); undefined while the server answers. */
  readonly fallbackReason: string | undefined;
}

/**
 * Counts text prompts with the server's own tokenizer through vLLM's `POST /tokenize`
 * (`{model, prompt}` -> `{count, tokens, max_model_len}`); token-ID prompts are counted by
 * length without a call. A server without /tokenize (404, 405) or without anything listening
 * (connection refused) switches the counter to estimateTokenCounter for good, and its counts
 * come back `estimated: true`. Any other failure is a DatasetError.
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
  const url = `${baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '')}/tokenize`;
  const estimator = estimateTokenCounter();
  let maxModelLen: number | undefined;
  let fallbackReason: string | undefined;

  /** Token count of one text, or undefined when the server has no /tokenize. */
  async function tokenize(text: string): Promise<number | undefined> {
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method: 'POST',
        headers: { ...options.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ model, prompt: text }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      if (causeCode(error) === 'ECONNREFUSED') {
        fallbackReason = `nothing listens at ${url} (connection refused)`;
        return undefined;
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
      fallbackReason = `${url} answered HTTP ${response.status}`;
      return undefined;
    }
    if (!response.ok) {
      throw new DatasetError(
        `token counting failed: POST ${url} answered HTTP ${response.status}: ${body.slice(0, 200)}`,
        `Check that the model name "${model}" is the one the server serves.`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    const answer = parsed as { count?: unknown; tokens?: unknown; max_model_len?: unknown } | undefined;
    const count =
      typeof answer?.count === 'number'
        ? answer.count
        : Array.isArray(answer?.tokens)
          ? answer.tokens.length
          : -1;
    if (count < 0) {
      throw new DatasetError(
        `token counting failed: POST ${url} answered without a count: ${body.slice(0, 200)}`,
        'The server must answer /tokenize like vLLM: {"count": n, "tokens": [...], "max_model_len": m}.',
      );
    }
    if (typeof answer?.max_model_len === 'number') maxModelLen = answer.max_model_len;
    return count;
  }

  return {
    get maxModelLen() {
      return maxModelLen;
    },
    get fallbackReason() {
      return fallbackReason;
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
            const count = await tokenize(prompt);
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
