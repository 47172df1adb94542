import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LlamaServer, startLlamaServer, toyPieces } from '../testing/llama-server.ts';
import { DatasetError } from './errors.ts';
import { estimateTokenCounter, estimateTokens, serverTokenCounter } from './token-counter.ts';

interface TestServer {
  url: string;
  bodies: unknown[];
  maxInFlight: number;
  close(): Promise<void>;
}

/** A real loopback HTTP server; `handle` answers each request after its body is read. */
async function startServer(
  handle: (req: IncomingMessage, body: string, res: ServerResponse) => void | Promise<void>,
): Promise<TestServer> {
  const state = { bodies: [] as unknown[], inFlight: 0, maxInFlight: 0 };
  const server: Server = createServer(async (req, res) => {
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    let body = '';
    for await (const chunk of req) body += chunk;
    if (body) state.bodies.push(JSON.parse(body));
    await handle(req, body, res);
    state.inFlight--;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies: state.bodies,
    get maxInFlight() {
      return state.maxInFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** vLLM-like /tokenize whose "tokenizer" splits on whitespace; 20 ms per call. */
function wordTokenizer(req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(() => {
      if (req.method !== 'POST' || req.url !== '/tokenize') {
        res.writeHead(404).end();
      } else {
        const { prompt } = JSON.parse(body) as { prompt: string };
        const words = prompt.split(/\s+/).filter(Boolean);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ count: words.length, tokens: words.map((_, i) => i), max_model_len: 4096 }));
      }
      resolve();
    }, 20);
  });
}

describe('serverTokenCounter', () => {
  let tokenizer: TestServer;
  let missing: TestServer;
  let broken: TestServer;

  beforeAll(async () => {
    tokenizer = await startServer(wordTokenizer);
    missing = await startServer((_req, _body, res) => {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not Found"}');
    });
    broken = await startServer((_req, _body, res) => {
      res.writeHead(500).end('tokenizer exploded');
    });
  });
  afterAll(async () => {
    await Promise.all([tokenizer.close(), missing.close(), broken.close()]);
  });

  it('counts text with the server and token IDs by length, without a call', async () => {
    const counter = serverTokenCounter(`${tokenizer.url}/v1/`, 'm1', { concurrency: 2 });
    const before = tokenizer.bodies.length;
    const result = await counter.count(['one two three', [5, 6, 7, 8, 9], '  a  b ', 'x y z w v']);
    expect(result).toEqual({ counts: [3, 5, 2, 5], estimated: false });
    expect(tokenizer.bodies.slice(before)).toEqual(
      expect.arrayContaining([
        { model: 'm1', prompt: 'one two three' },
        { model: 'm1', prompt: '  a  b ' },
        { model: 'm1', prompt: 'x y z w v' },
      ]),
    );
    expect(tokenizer.bodies.length - before).toBe(3);
    expect(counter.maxModelLen).toBe(4096);
    expect(counter.fallbackReason).toBeUndefined();
  });

  it('keeps at most `concurrency` calls in flight', async () => {
    const counter = serverTokenCounter(tokenizer.url, 'm1', { concurrency: 3 });
    const prompts = Array.from({ length: 12 }, (_, i) => 'w '.repeat(i + 1));
    const { counts } = await counter.count(prompts);
    expect(counts).toEqual(prompts.map((_, i) => i + 1));
    // 12 calls of 20 ms each through 3 workers: exactly 3 overlap.
    expect(tokenizer.maxInFlight).toBe(3);
  });

  it('falls back to estimates when /tokenize answers 404, and stays there', async () => {
    const counter = serverTokenCounter(missing.url, 'm1');
    const text = 'Hello there, how are you today?';
    const result = await counter.count([text, [1, 2, 3]]);
    expect(result).toEqual({ counts: [estimateTokens(text), 3], estimated: true });
    expect(counter.fallbackReason).toMatch(/answered HTTP 404/);
    const calls = missing.bodies.length;
    await counter.count(['again and again']);
    expect(missing.bodies.length).toBe(calls);
  });

  it('falls back to estimates when nothing listens (connection refused)', async () => {
    const gone = await startServer((_req, _body, res) => {
      res.end();
    });
    const url = gone.url;
    await gone.close();
    const counter = serverTokenCounter(url, 'm1');
    const result = await counter.count(['four words in here']);
    expect(result).toEqual({ counts: [estimateTokens('four words in here')], estimated: true });
    expect(counter.fallbackReason).toMatch(/connection refused/);
  });

  it('throws a DatasetError on other failures', async () => {
    const counter = serverTokenCounter(broken.url, 'nope');
    const error = await counter.count(['some text']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).message).toMatch(/\/tokenize answered HTTP 500: tokenizer exploded/);
    expect((error as DatasetError).hint).toMatch(/"nope"/);
  });

  it("reports vLLM's 404 for an unknown model instead of falling back", async () => {
    const server = await startServer((_req, _body, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { message: 'The model `m2` does not exist.', type: 'NotFoundError', code: 404 },
        }),
      );
    });
    try {
      const counter = serverTokenCounter(server.url, 'm2');
      const error = await counter.count(['some text']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatasetError);
      expect((error as DatasetError).message).toMatch(/does not exist/);
      expect(counter.fallbackReason).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it('makes no call for token-ID prompts only', async () => {
    const counter = serverTokenCounter(broken.url, 'm1');
    expect(await counter.count([[1], [2, 3]])).toEqual({ counts: [1, 2], estimated: false });
  });
});

describe("serverTokenCounter against llama.cpp's /tokenize and both /detokenize shapes", () => {
  let llama: LlamaServer | undefined;
  afterEach(async () => {
    await llama?.close();
    llama = undefined;
  });
  const bodies = (path: string) => (llama?.received ?? []).filter((r) => r.path === path).map((r) => r.body);

  it("finds llama.cpp's {content} shape once (vLLM's shape reads {tokens: []}) and counts with BOS, as a completion", async () => {
    llama = await startLlamaServer();
    const counter = serverTokenCounter(`${llama.url}/v1`, 'toy.gguf', { concurrency: 4 });
    const texts = ['abcdef gh', 'a b c', 'abcabcabc', 'xy'];
    const result = await counter.count(texts);
    expect(result).toEqual({ counts: texts.map((t) => toyPieces(t).length + 1), estimated: false });
    expect(counter.tokenizeShape).toBe('llama.cpp');
    // One probe in vLLM's shape, then every text once in llama.cpp's.
    const sent = bodies('/tokenize');
    expect(sent.filter((b) => 'prompt' in b)).toEqual([{ model: 'toy.gguf', prompt: 'abcdef gh' }]);
    expect(sent.filter((b) => 'content' in b)).toHaveLength(texts.length);
    expect(sent.filter((b) => 'content' in b).every((b) => b.add_special === true)).toBe(true);
    expect(counter.maxModelLen).toBeUndefined();
    // Kept for later batches: no more probes in vLLM's shape.
    await counter.count(['more text']);
    expect(bodies('/tokenize').filter((b) => 'prompt' in b)).toHaveLength(1);
  });

  it("keeps vLLM's shape for a vLLM server and asks content counts without special tokens", async () => {
    llama = await startLlamaServer({ shape: 'vllm' });
    const counter = serverTokenCounter(llama.url, 'toy.gguf');
    expect(await counter.count(['abc de'])).toEqual({ counts: [3], estimated: false });
    expect(await counter.countContent('abc de')).toBe(2);
    expect(counter.tokenizeShape).toBe('vllm');
    expect(counter.maxModelLen).toBe(4096);
    expect(bodies('/tokenize')).toEqual([
      { model: 'toy.gguf', prompt: 'abc de' },
      { model: 'toy.gguf', prompt: 'abc de', add_special_tokens: false },
    ]);
  });

  it('a non-empty text that tokenizes to 0 tokens in both shapes is a DatasetError, never a count of 0', async () => {
    const empty = await startServer((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"tokens": []}');
    });
    try {
      const counter = serverTokenCounter(empty.url, 'm');
      const error = await counter.count(['some words here']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatasetError);
      expect((error as DatasetError).message).toMatch(
        /counted 0 tokens for a non-empty text in vLLM's shape .* and llama.cpp's/,
      );
      expect(empty.bodies).toEqual([
        { model: 'm', prompt: 'some words here' },
        { content: 'some words here', add_special: true },
      ]);
      // A vLLM-shaped answer of count 0 is refused the same way.
      const zero = await startServer((_req, _body, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"count": 0, "tokens": []}');
      });
      const error2 = await serverTokenCounter(zero.url, 'm')
        .count(['text'])
        .catch((e: unknown) => e);
      await zero.close();
      expect((error2 as DatasetError).message).toMatch(
        /counted 0 tokens for a non-empty text in vLLM's shape/,
      );
    } finally {
      await empty.close();
    }
  });

  it.each(['llama.cpp', 'vllm'] as const)(
    'detokenizes in %s shape (one request body serves both)',
    async (shape) => {
      llama = await startLlamaServer({ shape });
      const counter = serverTokenCounter(llama.url, 'toy.gguf');
      expect(await counter.detokenize([0, 27, 53])).toBe('aabbcb');
      expect(bodies('/detokenize')).toEqual([{ model: 'toy.gguf', tokens: [0, 27, 53] }]);
      expect(counter.detokenizeFallbackReason).toBeUndefined();
    },
  );

  it('a server without /detokenize gives undefined and says why, once', async () => {
    llama = await startLlamaServer({ noDetokenize: true });
    const counter = serverTokenCounter(llama.url, 'toy.gguf');
    expect(await counter.detokenize([1, 2])).toBeUndefined();
    expect(await counter.detokenize([3])).toBeUndefined();
    expect(counter.detokenizeFallbackReason).toMatch(/\/detokenize answered HTTP 404/);
    expect(bodies('/detokenize')).toHaveLength(1);
  });
});

describe('estimateTokens', () => {
  it('is the larger of chars/4, words + punctuation, and CJK characters', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('hi')).toBe(1);
    // 9 words + 2 marks = 11; 47 chars / 4 = 12
    expect(estimateTokens('The quick brown fox, it jumps over the lazy dog.')).toBe(12);
    // many short words and marks: words + marks wins
    expect(estimateTokens('a, b, c, d, e.')).toBe(10);
    expect(estimateTokens('自然言語処理')).toBe(6);
  });

  it('lands within 25 % of 1.3 tokens per word on ordinary English', () => {
    const text =
      'Benchmarks of language model servers measure how long the first token takes to arrive, ' +
      'how quickly the following tokens stream back, and how many requests per second the ' +
      'server sustains before its latency objectives are violated.';
    const words = text.split(/\s+/).length;
    const estimate = estimateTokens(text);
    expect(estimate / (words * 1.3)).toBeGreaterThan(0.75);
    expect(estimate / (words * 1.3)).toBeLessThan(1.25);
  });

  it('estimateTokenCounter marks only text as estimated', async () => {
    const counter = estimateTokenCounter();
    expect(await counter.count([[1, 2]])).toEqual({ counts: [2], estimated: false });
    expect((await counter.count(['abc def'])).estimated).toBe(true);
  });
});
