import { Agent } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { requestFailure } from '../../core/errors.ts';
import { type Fault, type StreamServer, startStreamServer } from '../../testing/stream-server.ts';
import { sendStream } from './openai-stream.ts';

const dispatcher = new Agent();
afterAll(() => dispatcher.close());
let server: StreamServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const body = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    model: 'm',
    prompt: 'one two three',
    max_tokens: 5,
    stream: true,
    stream_options: { include_usage: true },
    ...extra,
  });
const now = () => performance.now();

async function send(
  options: Parameters<typeof startStreamServer>[0],
  path = '/v1/completions',
  b = body(),
  timeoutMs = 5000,
  signal?: AbortSignal,
) {
  server = await startStreamServer(options);
  const target = { dispatcher, origin: server.url, path, headers: { 'content-type': 'application/json' } };
  return sendStream(target, b, now, timeoutMs, signal);
}

describe('sendStream against a real loopback server', () => {
  it('times every chunk and reads usage (completions)', async () => {
    const out = await send({ ttftMs: 30, itlMs: 10 });
    expect(out.failure).toBeNull();
    expect(out.chunkMs).toHaveLength(5);
    expect(out.chunkTokens).toEqual([1, 1, 1, 1, 1]);
    expect(out.promptTokens).toBe(3);
    expect(out.outputTokens).toBe(5);
    const ttft = (out.chunkMs[0] as number) - out.sentMs;
    expect(ttft).toBeGreaterThanOrEqual(29);
    expect(ttft).toBeLessThan(80);
    // Chunks are timed one by one as they arrive, not in a batch at the end (the server spaces
    // them 10 ms apart; a busy host's timers shift single gaps by a few ms).
    const gaps = out.chunkMs.slice(1).map((t, i) => t - (out.chunkMs[i] as number));
    expect(gaps.every((g) => g > 2)).toBe(true);
    expect((out.chunkMs[4] as number) - (out.chunkMs[0] as number)).toBeGreaterThanOrEqual(38);
  });

  it('chat: skips the role-only first chunk and counts tokens from continuous usage', async () => {
    const out = await send(
      { tokensPerChunk: 2 },
      '/v1/chat/completions',
      JSON.stringify({
        model: 'm',
        messages: [{ role: 'user', content: 'hi there' }],
        max_tokens: 5,
        stream: true,
        stream_options: { include_usage: true, continuous_usage_stats: true },
      }),
    );
    expect(out.failure).toBeNull();
    expect(out.chunkTokens).toEqual([2, 2, 1]);
    expect(out.outputTokens).toBe(5);
    expect(server?.received[0]?.stream_options).toEqual({
      include_usage: true,
      continuous_usage_stats: true,
    });
  });

  it.each<[Fault, string, RegExp]>([
    ['http500', requestFailure.httpStatus, /HTTP 500: .*injected failure/],
    ['http429', requestFailure.rateLimited, /HTTP 429/],
    ['cut', requestFailure.streamCut, /connection lost mid-stream|stream ended/],
    ['malformed', requestFailure.malformedSse, /not JSON/],
    ['no-usage', requestFailure.missingUsage, /no usage/],
    ['no-done', requestFailure.streamCut, /without \[DONE\]/],
    ['error-event', requestFailure.streamError, /engine dead/],
    ['truncated-event', requestFailure.streamCut, /ended inside an event/],
  ])('classifies %s as %s', async (fault, code, message) => {
    const out = await send({ fault: () => fault });
    expect(out.failure?.code).toBe(code);
    expect(out.failure?.message).toMatch(message);
  });

  it('times out a stalled stream', async () => {
    const out = await send({ fault: () => 'stall' }, undefined, undefined, 300);
    expect(out.failure?.code).toBe(requestFailure.timeout);
    expect(out.endMs - out.sentMs).toBeGreaterThanOrEqual(299);
    expect(out.endMs - out.sentMs).toBeLessThan(1000);
  });

  it('cancels through an AbortSignal', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const out = await send({ fault: () => 'stall' }, undefined, undefined, 10_000, controller.signal);
    expect(out.failure?.code).toBe(requestFailure.cancelled);
    expect(out.endMs - out.sentMs).toBeLessThan(1000);
  });

  it('reports a refused connection as a connect failure', async () => {
    const s = await startStreamServer();
    const origin = s.url;
    await s.close();
    const out = await sendStream(
      { dispatcher, origin, path: '/v1/completions', headers: {} },
      body(),
      now,
      2000,
    );
    expect(out.failure?.code).toBe(requestFailure.connect);
    expect(out.failure?.message).toMatch(/ECONNREFUSED/);
  });
});
