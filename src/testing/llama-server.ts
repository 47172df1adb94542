import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { json, type LoopbackServer, listenLoopback, routeRequest } from './stream-server.ts';

/**
 * A loopback server that answers as llama.cpp's `llama-server` does (tools/server in llama.cpp:
 * server-task.cpp, server-context.cpp), for tests of a client against an engine other than vLLM:
 *
 * - streaming `/v1/completions`: one `{"text": piece}` chunk a token, then a final chunk with
 *   `"text": ""`, the finish_reason, `usage` and `timings`, whatever `stream_options` says;
 * - streaming `/v1/chat/completions`: a role chunk (`"content": null`), one delta a token, a finish
 *   chunk with `"delta": {}`, then, only with `stream_options.include_usage`, a usage chunk with
 *   `"choices": []` (and `timings`);
 * - `/tokenize` `{content, add_special}` -> `{tokens}`, and `{"tokens": []}` to vLLM's `{model,
 *   prompt}`; `/detokenize` `{tokens}` -> `{content}`.
 *
 * `shape: 'vllm'` answers /tokenize and /detokenize as vLLM does instead (`{model, prompt}` ->
 * `{count, tokens, max_model_len}`, `{model, tokens}` -> `{prompt}`). The toy tokenizer: token
 * ID k is the two letters of k in base 26, and text is read in pieces of up to three letters
 * (with a space before them) or one other character, so decoding IDs and tokenizing the text does not give the same count,
 * as with real BPE; special tokens (`add_special`) add a BOS.
 */
export interface LlamaServerOptions {
  shape?: 'llama.cpp' | 'vllm';
  /** Answer 404 to /detokenize (an engine without it). */
  noDetokenize?: boolean;
  /** Leave the usage out even where llama.cpp sends it (an engine that never sends usage). */
  noUsage?: boolean;
  /** ms between chunks (the first after the same delay). */
  itlMs?: number;
  /** The vocabulary /v1/models reports (`meta.n_vocab`, llama.cpp shape); larger prompt IDs get HTTP 400. */
  vocabSize?: number;
}

export interface LlamaServer extends LoopbackServer {
  /** Request bodies by path, in arrival order. */
  received: Array<{ path: string; body: Record<string, unknown> }>;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const BOS = 1;

/** The text of one token ID: two letters. */
export const toyPiece = (id: number) =>
  `${LETTERS[Math.floor(id / 26) % 26] as string}${LETTERS[id % 26] as string}`;

/**
 * The toy tokenizer's pieces of a text: runs of up to three letters with the space before them
 * (as BPE keeps " the" whole), or one other character.
 */
export const toyPieces = (text: string): string[] => text.match(/ ?[a-z]{1,3}|[^a-z]/g) ?? [];

const toyIds = (text: string) =>
  toyPieces(text).map((p) => 300 + ([...p].reduce((h, c) => h * 31 + c.charCodeAt(0), 7) % 5000));

export async function startLlamaServer(options: LlamaServerOptions = {}): Promise<LlamaServer> {
  const received: LlamaServer['received'] = [];
  const shape = options.shape ?? 'llama.cpp';
  const vocabSize = options.vocabSize ?? LETTERS.length * LETTERS.length;
  const server = await listenLoopback(async (req, res) => {
    // llama.cpp's /v1/models says how large the vocabulary is; vLLM's does not.
    if (shape === 'llama.cpp' && req.method === 'GET' && req.url === '/v1/models') {
      return json(res, 200, {
        object: 'list',
        data: [{ id: 'toy.gguf', object: 'model', owned_by: 'llamacpp', meta: { n_vocab: vocabSize } }],
      });
    }
    const request = await routeRequest(req, res, 'toy.gguf', [
      '/tokenize',
      '/detokenize',
      '/v1/completions',
      '/v1/chat/completions',
    ]);
    if (!request) return;
    const body = JSON.parse(request.raw) as Record<string, unknown>;
    received.push({ path: request.url, body });
    if (request.url === '/tokenize') {
      if (shape === 'vllm') {
        const text = typeof body.prompt === 'string' ? body.prompt : '';
        const tokens = [...(body.add_special_tokens === false ? [] : [BOS]), ...toyIds(text)];
        return json(res, 200, { count: tokens.length, max_model_len: 4096, tokens, token_strs: null });
      }
      // llama.cpp reads `content` only: vLLM's body tokenizes nothing.
      const text = typeof body.content === 'string' ? body.content : null;
      const tokens = text === null ? [] : [...(body.add_special === true ? [BOS] : []), ...toyIds(text)];
      return json(res, 200, { tokens });
    }
    if (request.url === '/detokenize') {
      if (options.noDetokenize) return json(res, 404, { error: { message: 'File Not Found', code: 404 } });
      const ids = Array.isArray(body.tokens) ? (body.tokens as number[]) : [];
      const text = ids.map(toyPiece).join('');
      return json(res, 200, shape === 'vllm' ? { prompt: text } : { content: text });
    }
    const ids = Array.isArray(body.prompt) ? (body.prompt as number[]) : [];
    if (ids.some((id) => id >= vocabSize)) {
      return json(res, 400, {
        error: { code: 400, message: 'Prompt contains invalid tokens', type: 'invalid_request_error' },
      });
    }
    return stream(res, request.url === '/v1/chat/completions', body, options);
  }, 0);
  return { ...server, received };
}

async function stream(
  res: ServerResponse,
  chat: boolean,
  body: Record<string, unknown>,
  options: LlamaServerOptions,
): Promise<void> {
  const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : 16;
  const prompt = chat
    ? String((body.messages as Array<{ content: string }>)[0]?.content ?? '')
    : Array.isArray(body.prompt)
      ? null
      : String(body.prompt ?? '');
  const promptTokens = prompt === null ? (body.prompt as number[]).length + 1 : toyIds(prompt).length + 1;
  const includeUsage =
    (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  const usage = {
    completion_tokens: maxTokens,
    prompt_tokens: promptTokens,
    total_tokens: maxTokens + promptTokens,
    prompt_tokens_details: { cached_tokens: 0 },
  };
  const timings = { prompt_n: promptTokens, predicted_n: maxTokens, predicted_per_second: 100 };
  const base = { created: 1, id: 'chatcmpl-toy', model: 'toy.gguf', system_fingerprint: 'b1-toy' };
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const send = (event: unknown) => res.write(`data: ${JSON.stringify(event)}\n\n`);
  if (chat) {
    send({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ finish_reason: null, index: 0, delta: { role: 'assistant', content: null } }],
    });
  }
  for (let i = 0; i < maxTokens; i++) {
    if (options.itlMs) await sleep(options.itlMs);
    const piece = ` ${toyPiece(100 + i)}`;
    send(
      chat
        ? {
            ...base,
            object: 'chat.completion.chunk',
            choices: [{ finish_reason: null, index: 0, delta: { content: piece } }],
          }
        : {
            ...base,
            object: 'text_completion',
            choices: [{ text: piece, index: 0, logprobs: null, finish_reason: null }],
          },
    );
  }
  if (options.itlMs) await sleep(options.itlMs);
  if (chat) {
    send({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ finish_reason: 'length', index: 0, delta: {} }],
      ...(includeUsage || options.noUsage ? {} : { timings }),
    });
    if (includeUsage && !options.noUsage) {
      send({ ...base, object: 'chat.completion.chunk', choices: [], usage, timings });
    }
  } else {
    // Completions: the usage rides on the finish chunk itself, stream_options or not.
    send({
      ...base,
      object: 'text_completion',
      choices: [{ text: '', index: 0, logprobs: null, finish_reason: 'length' }],
      ...(options.noUsage ? {} : { usage }),
      timings,
    });
  }
  res.end('data: [DONE]\n\n');
}
