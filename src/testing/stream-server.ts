import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

/**
 * A small, real OpenAI-compatible streaming server for tests, benchmarks and the demo: fixed
 * TTFT and inter-token delay, exact max_tokens outputs, and injectable faults. Not a model of
 * a GPU (that is the simulator's job): its timings are whatever the options say.
 */
export type Fault =
  | 'http500'
  | 'http429'
  | 'stall'
  | 'pause'
  | 'cut'
  | 'malformed'
  | 'no-usage'
  | 'no-done'
  | 'error-event'
  | 'truncated-event'
  | 'negative-usage'
  | 'no-choices';

export interface StreamServerOptions {
  ttftMs?: number;
  itlMs?: number;
  /** Tokens per SSE chunk (vLLM can send several when it batches detokenization). */
  tokensPerChunk?: number;
  /**
   * Picks a fault for the n-th request (0-based), or null for a clean response. 'stall' never
   * finishes after its first chunk; 'pause' holds the stream `pauseMs` after it, then finishes.
   * 'negative-usage' ends with usage counts below 0; 'no-choices' sends usage and [DONE] only.
   */
  fault?: (n: number) => Fault | null;
  /** How long a 'pause' fault holds its stream after the first chunk (default 2000 ms). */
  pauseMs?: number;
  /** Adds `sent_at` (ms since the Unix epoch, sub-ms precision) to every chunk, for timing checks. */
  stampChunks?: boolean;
}

export interface StreamServer {
  url: string;
  port: number;
  /** Parsed JSON bodies of the requests received, in arrival order. */
  received: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

const wallClockMs = () => performance.timeOrigin + performance.now();

export async function startStreamServer(options: StreamServerOptions = {}, port = 0): Promise<StreamServer> {
  const received: Array<Record<string, unknown>> = [];
  const server = await listenLoopback((req, res) => handle(req, res, options, received), port);
  return { ...server, received };
}

/** A test server listening on 127.0.0.1. */
export interface LoopbackServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `handler` on 127.0.0.1:`port` (0: a free port) with keep-alive connections; a handler
 * that throws destroys its response.
 */
export async function listenLoopback(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  port: number,
): Promise<LoopbackServer> {
  const server: Server = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      res.destroy(error as Error);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The head of the test servers' handlers: lists `model` at GET /v1/models, reads the body and
 * answers 404 to anything but a POST to one of `routes`. The route and the body, or null once it
 * has answered.
 */
export async function routeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  model: string,
  routes: readonly string[],
): Promise<{ url: string; raw: string } | null> {
  const url = req.url ?? '/';
  if (req.method === 'GET' && url === '/v1/models') {
    json(res, 200, {
      object: 'list',
      data: [{ id: model, object: 'model', owned_by: 'servebench-test' }],
    });
    return null;
  }
  const raw = await readBody(req);
  if (req.method !== 'POST' || !routes.includes(url)) {
    json(res, 404, {
      error: { message: `no route ${req.method} ${url}`, type: 'NotFoundError', code: 404 },
    });
    return null;
  }
  return { url, raw };
}

/** A completion (or chat) request as the test servers read it. */
export interface CompletionRequest {
  body: Record<string, unknown>;
  /** Words of the prompt (or of the first message), or its length when it is token ids. */
  promptTokens: number;
  /** max_tokens (or max_completion_tokens); 16 when the request sets neither. */
  maxTokens: number;
  streamOptions: { include_usage?: boolean; continuous_usage_stats?: boolean };
}

export function parseCompletion(raw: string): CompletionRequest {
  const body = JSON.parse(raw) as Record<string, unknown>;
  const prompt = body.prompt ?? (body.messages as Array<{ content: string }> | undefined)?.[0]?.content ?? '';
  return {
    body,
    promptTokens: Array.isArray(prompt) ? prompt.length : countWords(String(prompt)),
    maxTokens: Number(body.max_tokens ?? body.max_completion_tokens ?? 16),
    streamOptions: (body.stream_options ?? {}) as CompletionRequest['streamOptions'],
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: StreamServerOptions,
  received: Array<Record<string, unknown>>,
): Promise<void> {
  if (req.method === 'GET' && req.url === '/health') return void res.writeHead(200).end();
  const request = await routeRequest(req, res, 'test-model', [
    '/tokenize',
    '/v1/completions',
    '/v1/chat/completions',
  ]);
  if (!request) return;
  const { url, raw } = request;
  if (url === '/tokenize') {
    const body = JSON.parse(raw) as { prompt?: string | number[]; messages?: Array<{ content: string }> };
    const text =
      typeof body.prompt === 'string' ? body.prompt : (body.messages ?? []).map((m) => m.content).join(' ');
    const count = Array.isArray(body.prompt) ? body.prompt.length : countWords(text);
    return json(res, 200, { count, max_model_len: 8192, tokens: [] });
  }
  const isChat = url === '/v1/chat/completions';
  const { body, promptTokens, maxTokens, streamOptions } = parseCompletion(raw);
  const n = received.length;
  received.push(body);
  const fault = options.fault?.(n) ?? null;
  if (fault === 'http500') return json(res, 500, { error: { message: 'injected failure', code: 500 } });
  if (fault === 'http429') return json(res, 429, { error: { message: 'too many requests', code: 429 } });

  const tokensPerChunk = options.tokensPerChunk ?? 1;

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  const send = (payload: string) => res.write(`data: ${payload}\n\n`);
  const chunk = (tokens: number, total: number) => {
    const text = 'tok '.repeat(tokens);
    const choice = isChat ? { index: 0, delta: { content: text } } : { index: 0, text };
    const event: Record<string, unknown> = { id: `cmpl-${n}`, object: 'chunk', choices: [choice] };
    if (streamOptions.continuous_usage_stats) {
      event.usage = {
        prompt_tokens: promptTokens,
        completion_tokens: total,
        total_tokens: promptTokens + total,
      };
    }
    if (options.stampChunks) event.sent_at = wallClockMs();
    return JSON.stringify(event);
  };

  if (isChat)
    send(
      JSON.stringify({ id: `cmpl-${n}`, choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] }),
    );
  await sleep(options.ttftMs ?? 0);
  let produced = 0;
  // Chunks go out on an absolute schedule, so per-chunk overhead does not stretch the ITL.
  const firstChunkAt = performance.now();
  while (produced < maxTokens && fault !== 'no-choices') {
    if (res.destroyed) return;
    const tokens = Math.min(tokensPerChunk, maxTokens - produced);
    produced += tokens;
    send(chunk(tokens, produced));
    if (produced === tokens) {
      if (fault === 'stall') return; // never finishes; the client's timeout must fire
      if (fault === 'pause') await sleep(options.pauseMs ?? 2000); // a server stall mid-stream
      if (fault === 'cut') return void res.destroy();
      if (fault === 'malformed') send('{"choices": [{"text": "oops"');
      if (fault === 'error-event') send(JSON.stringify({ error: { message: 'engine dead', code: 500 } }));
      if (fault === 'truncated-event') return void res.end('data: {"choices": [');
    }
    if (produced < maxTokens && options.itlMs) {
      await sleep(
        Math.max(0, firstChunkAt + (produced / tokensPerChunk) * options.itlMs - performance.now()),
      );
    }
  }
  if (streamOptions.include_usage && fault !== 'no-usage') {
    send(
      JSON.stringify({
        id: `cmpl-${n}`,
        choices: [],
        usage:
          fault === 'negative-usage'
            ? { prompt_tokens: promptTokens, completion_tokens: -742, total_tokens: promptTokens - 742 }
            : {
                prompt_tokens: promptTokens,
                completion_tokens: produced,
                total_tokens: promptTokens + produced,
              },
      }),
    );
  }
  if (fault !== 'no-done') send('[DONE]');
  res.end();
}

export function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}

/** `node src/testing/stream-server.ts --port 8000 --ttft-ms 20 --itl-ms 5` */
if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'ttft-ms': { type: 'string', default: '20' },
      'itl-ms': { type: 'string', default: '5' },
      'tokens-per-chunk': { type: 'string', default: '1' },
      'stamp-chunks': { type: 'boolean', default: false },
    },
  });
  const server = await startStreamServer(
    {
      ttftMs: Number(values['ttft-ms']),
      itlMs: Number(values['itl-ms']),
      tokensPerChunk: Number(values['tokens-per-chunk']),
      stampChunks: values['stamp-chunks'],
    },
    Number(values.port),
  );
  console.log(`stream server listening on ${server.url}`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
