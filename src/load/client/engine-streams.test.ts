import type { ServerResponse } from 'node:http';
import { Agent } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../metrics/record.ts';
import { summarize } from '../../metrics/summarize.ts';
import { type LlamaServer, type LlamaServerOptions, startLlamaServer } from '../../testing/llama-server.ts';
import { type LoopbackServer, listenLoopback, routeRequest } from '../../testing/stream-server.ts';
import { type StreamOutcome, sendStream } from './openai-stream.ts';

const dispatcher = new Agent();
afterAll(() => dispatcher.close());
let server: LoopbackServer | LlamaServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const now = () => performance.now();
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

const completionBody = (maxTokens: number, streamOptions?: object) =>
  JSON.stringify({
    model: 'toy.gguf',
    prompt: 'abc de',
    max_tokens: maxTokens,
    stream: true,
    ...(streamOptions ? { stream_options: streamOptions } : {}),
  });
const chatBody = (maxTokens: number, streamOptions?: object) =>
  JSON.stringify({
    model: 'toy.gguf',
    messages: [{ role: 'user', content: 'abc de' }],
    max_tokens: maxTokens,
    stream: true,
    ...(streamOptions ? { stream_options: streamOptions } : {}),
  });

async function toLlama(options: LlamaServerOptions, path: string, body: string): Promise<StreamOutcome> {
  server = await startLlamaServer(options);
  return sendStream({ dispatcher, origin: server.url, path, headers: {} }, body, now, 5000);
}

/** A loopback server that answers every completion with these SSE events, then [DONE]. */
async function scripted(events: unknown[]): Promise<StreamOutcome> {
  server = await listenLoopback(async (req, res: ServerResponse) => {
    if (!(await routeRequest(req, res, 'm', ['/v1/completions']))) return;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const e of events) res.write(`data: ${JSON.stringify(e)}\n\n`);
    res.end('data: [DONE]\n\n');
  }, 0);
  return sendStream(
    { dispatcher, origin: server.url, path: '/v1/completions', headers: {} },
    completionBody(5),
    now,
    5000,
  );
}

/** A successful record of an outcome, as the load engine writes it (shard.ts). */
const record = (o: StreamOutcome): RequestRecord => ({
  ok: o.failure === null,
  scheduled_ms: o.sentMs,
  sent_ms: o.sentMs,
  end_ms: o.endMs,
  chunk_ms: o.chunkMs,
  chunk_tokens: o.chunkTokens,
  prompt_tokens: o.promptTokens ?? 0,
  output_tokens: o.outputTokens ?? sum(o.chunkTokens),
  error: null,
  output_tokens_from_chunks: o.outputTokens === null,
});

const text = (t: string, finish: string | null = null, usage?: object) => ({
  choices: [{ index: 0, text: t, finish_reason: finish }],
  ...(usage ? { usage } : {}),
});
const u = (completion: number) => ({
  prompt_tokens: 3,
  completion_tokens: completion,
  total_tokens: 3 + completion,
});

describe("llama.cpp's streams: the chunks' tokens add up to the output, once", () => {
  it('completions: usage on the empty-text finish chunk is not a chunk of N tokens', async () => {
    const out = await toLlama({}, '/v1/completions', completionBody(7, { include_usage: true }));
    expect(out.failure).toBeNull();
    expect(out.chunkTokens).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(out.outputTokens).toBe(7);
    expect(out.promptTokens).toBe(3); // "abc de" is 'abc', ' de' and a BOS
    expect(sum(out.chunkTokens)).toBe(out.outputTokens);
  });

  it('completions: usage comes even when stream_options was not sent (llama.cpp ignores it)', async () => {
    const out = await toLlama({}, '/v1/completions', completionBody(4));
    expect(out.failure).toBeNull();
    expect(out.outputTokens).toBe(4);
    expect(sum(out.chunkTokens)).toBe(4);
  });

  it("chat: the role chunk, the finish chunk's empty delta and the usage-only chunk carry no tokens", async () => {
    const out = await toLlama({}, '/v1/chat/completions', chatBody(6, { include_usage: true }));
    expect(out.failure).toBeNull();
    expect(out.chunkTokens).toEqual([1, 1, 1, 1, 1, 1]);
    expect(out.chunkMs).toHaveLength(6);
    expect(out.outputTokens).toBe(6);
  });

  it('chat without include_usage: no usage at all, measured from the chunks (not a failure)', async () => {
    const out = await toLlama({}, '/v1/chat/completions', chatBody(5));
    expect(out.failure).toBeNull();
    expect(out.outputTokens).toBeNull();
    expect(out.promptTokens).toBeNull();
    expect(out.chunkTokens).toEqual([1, 1, 1, 1, 1]);
  });

  it('per-token ITL pools one gap per token after the first: n - 1 samples, not 2n - 1', async () => {
    const outs = [
      await toLlama({}, '/v1/completions', completionBody(8, { include_usage: true })),
      await toLlama({ noUsage: true }, '/v1/completions', completionBody(8, { include_usage: true })),
    ];
    for (const out of outs) {
      const s = summarize([record(out)]);
      expect(s.total_output_tokens).toBe(8);
      // Every chunk carries 1 token, so the per-token ITL is the chunk ITL, sample for sample.
      const gaps = out.chunkMs.slice(1).map((t, i) => t - (out.chunkMs[i] as number));
      expect(s.mean_token_itl_ms).toBeCloseTo(sum(gaps) / 7, 9);
      expect(s.mean_token_itl_ms).toBeCloseTo(s.mean_itl_ms as number, 9);
    }
  });
});

describe('the counting rule on scripted streams', () => {
  it('OpenAI-style: a usage-only chunk (choices: []) after the finish is not credited', async () => {
    const out = await scripted([text('a'), text('b'), text('c', 'stop'), { choices: [], usage: u(3) }]);
    expect(out.failure).toBeNull();
    expect(out.chunkTokens).toEqual([1, 1, 1]);
    expect(out.outputTokens).toBe(3);
  });

  it('usage on the last text chunk (not continuous) counts that chunk as 1', async () => {
    const out = await scripted([text('a'), text('b'), text('c', 'length', u(3))]);
    expect(out.failure).toBeNull();
    expect(out.chunkTokens).toEqual([1, 1, 1]);
    expect(out.outputTokens).toBe(3);
  });

  it('continuous usage: multi-token chunks get their count, the final usage-only chunk none', async () => {
    const out = await scripted([
      text('ab', null, u(2)),
      text('cd', null, u(4)),
      text('e', 'length', u(5)),
      { choices: [], usage: u(5) },
    ]);
    expect(out.chunkTokens).toEqual([2, 2, 1]);
    expect(sum(out.chunkTokens)).toBe(out.outputTokens);
  });

  it('continuous usage: tokens of an empty-text chunk (a held-back piece) arrive with the next text', async () => {
    const out = await scripted([
      text('a', null, u(1)),
      text('', null, u(2)),
      text('bc', null, u(3)),
      text('', 'stop', u(4)),
    ]);
    expect(out.failure).toBeNull();
    expect(out.chunkTokens).toEqual([1, 2]);
    // The last token (end of sequence) made no text: it is in the usage only.
    expect(out.outputTokens).toBe(4);
  });

  it('a final usage below the tokens the chunks carried is still SB_INVALID_ANSWER', async () => {
    const out = await scripted([text('a'), text('b'), text('', 'stop', u(1))]);
    expect(out.failure?.code).toBe('SB_INVALID_ANSWER');
  });
});
