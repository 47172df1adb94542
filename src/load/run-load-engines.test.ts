import { afterEach, describe, expect, it } from 'vitest';
import { loadProfileSchema } from '../config/load-profile.ts';
import { ConfigError } from '../core/errors.ts';
import {
  type LlamaServer,
  type LlamaServerOptions,
  startLlamaServer,
  toyPieces,
} from '../testing/llama-server.ts';
import { buildRequestBody } from './request-body.ts';
import { runLoad } from './run-load.ts';

let server: LlamaServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(options: LlamaServerOptions, endpoint: string, inputLen = 24) {
  server = await startLlamaServer(options);
  const result = await runLoad({
    baseUrl: server.url,
    endpoint,
    arrival: { kind: 'concurrency', concurrency: 2 },
    requests: 6,
    dataset: { name: 'random', input_len: inputLen, output_len: 5, vocab_size: 676 },
    workers: 1,
  });
  const bodies = server.received.filter((r) => r.path === endpoint).map((r) => r.body);
  return { ...result, bodies };
}

describe('runLoad against a llama.cpp-like engine (the counts, not the timing)', () => {
  it('completions: token IDs sent as such; the output counted once, from usage', async () => {
    const { summary, records, bodies } = await run({}, '/v1/completions');
    expect(summary.completed).toBe(6);
    expect(summary.total_output_tokens).toBe(30);
    for (const r of records) {
      expect(r.chunk_tokens).toEqual([1, 1, 1, 1, 1]);
      expect(r.output_tokens_from_chunks).toBe(false);
    }
    expect(bodies.every((b) => Array.isArray(b.prompt) && b.prompt.length === 24)).toBe(true);
    expect(summary.notes).toEqual([]);
  });

  it("token IDs stay below the vocabulary the server reports, and the summary notes it (llama.cpp's /v1/models)", async () => {
    server = await startLlamaServer({ vocabSize: 300 });
    const result = await runLoad({
      baseUrl: server.url,
      endpoint: '/v1/completions',
      arrival: { kind: 'concurrency', concurrency: 2 },
      requests: 6,
      dataset: { name: 'random', input_len: 64, output_len: 5 },
      workers: 1,
    });
    expect(result.summary.failed).toBe(0);
    const ids = server.received
      .filter((r) => r.path === '/v1/completions')
      .flatMap((r) => r.body.prompt as number[]);
    expect(Math.max(...ids)).toBeLessThan(300);
    expect(result.summary.notes).toEqual([
      "token IDs were drawn below 300, the model's vocabulary (the server's /v1/models), not below dataset.vocab_size 32000",
    ]);
    // The profile as given keys the baseline.
    expect(result.profile.dataset).toMatchObject({ vocab_size: 32000 });
  });

  it('chat: prompts are text of the requested token length (decoded, re-counted), not decimal IDs', async () => {
    const { summary, records, bodies } = await run({}, '/v1/chat/completions');
    expect(bodies).toHaveLength(6);
    for (const b of bodies) {
      const content = (b.messages as Array<{ content: unknown }>)[0]?.content;
      expect(typeof content).toBe('string');
      expect(content).not.toMatch(/\d/);
      expect(toyPieces(content as string)).toHaveLength(24);
    }
    // The server's usage counts the content plus a BOS.
    expect(records.every((r) => r.prompt_tokens === 25 && r.prompt_tokens_estimated === false)).toBe(true);
    expect(summary.total_output_tokens).toBe(30);
    expect(summary.notes).toEqual([]);
  });

  it('an engine that never sends usage is measured from its chunks, flagged per record and noted', async () => {
    const { summary, records } = await run({ noUsage: true }, '/v1/chat/completions');
    expect(summary.completed).toBe(6);
    expect(summary.failures).toEqual({});
    expect(summary.total_output_tokens).toBe(30);
    expect(records.every((r) => r.output_tokens_from_chunks === true && r.output_tokens === 5)).toBe(true);
    expect(summary.notes).toEqual([
      expect.stringMatching(/^output tokens of 6 of 6 requests were counted from the stream's text chunks/),
    ]);
  });

  it('chat without /detokenize: word prompts, and the summary notes why', async () => {
    const { summary, bodies } = await run({ noDetokenize: true }, '/v1/chat/completions');
    for (const b of bodies) {
      const content = (b.messages as Array<{ content: string }>)[0]?.content ?? '';
      expect(toyPieces(content)).toHaveLength(24);
    }
    expect(summary.notes).toEqual([
      expect.stringMatching(/6 of 6 chat prompts are common words, .*\/detokenize answered HTTP 404/),
    ]);
  });
});

describe('buildRequestBody', () => {
  const profile = (endpoint: string) =>
    loadProfileSchema.parse({
      baseUrl: 'http://127.0.0.1:1',
      endpoint,
      arrival: { kind: 'concurrency', concurrency: 1 },
      requests: 1,
    });
  const sample = { prompt: [101, 102, 103], promptTokens: 3, promptTokensEstimated: false, maxTokens: 2 };

  it('sends token IDs to completions as they are', () => {
    expect(JSON.parse(buildRequestBody(profile('/v1/completions'), 'm', sample)).prompt).toEqual([
      101, 102, 103,
    ]);
  });

  it('refuses token IDs for chat instead of sending them as decimal text', () => {
    expect(() => buildRequestBody(profile('/v1/chat/completions'), 'm', sample)).toThrow(ConfigError);
    const text = { ...sample, prompt: 'hello there' };
    expect(JSON.parse(buildRequestBody(profile('/v1/chat/completions'), 'm', text)).messages).toEqual([
      { role: 'user', content: 'hello there' },
    ]);
  });
});
