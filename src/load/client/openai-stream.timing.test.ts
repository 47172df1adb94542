import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { requestFailure } from '../../core/errors.ts';
import {
  type Fault,
  listenLoopback,
  routeRequest,
  type StreamServer,
  startStreamServer,
} from '../../testing/stream-server.ts';
import { classifyTransportError, sendStream } from './openai-stream.ts';
import { MAX_EVENT_CHARS, SseParser } from './sse-parser.ts';

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
    // them 10 ms apart, 40 ms from first to last; a busy host's timers shift single gaps by a few
    // ms, and a first chunk handled late shortens the span: batched, it would be ~0).
    const gaps = out.chunkMs.slice(1).map((t, i) => t - (out.chunkMs[i] as number));
    expect(gaps.every((g) => g > 2)).toBe(true);
    expect((out.chunkMs[4] as number) - (out.chunkMs[0] as number)).toBeGreaterThanOrEqual(25);
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

/** A loopback server that answers every POST with `answer` (and lists a model, as servers do). */
async function scripted(answer: (res: import('node:http').ServerResponse) => void): Promise<StreamServer> {
  const s = await listenLoopback(async (req, res) => {
    if (await routeRequest(req, res, 'test-model', ['/v1/completions'])) answer(res);
  }, 0);
  return { ...s, received: [] };
}

async function sendTo(answer: (res: import('node:http').ServerResponse) => void, timeoutMs = 5000) {
  server = await scripted(answer);
  const target = { dispatcher, origin: server.url, path: '/v1/completions', headers: {} };
  return sendStream(target, body(), now, timeoutMs);
}

const sse = (
  res: import('node:http').ServerResponse,
  events: unknown[],
  headers: Record<string, string> = {},
) => {
  res.writeHead(200, { 'content-type': 'text/event-stream', ...headers });
  for (const e of events) res.write(`data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`);
  res.end('data: [DONE]\n\n');
};
const text = (t: string, finish: string | null = null) => ({
  choices: [{ index: 0, text: t, finish_reason: finish }],
});
const usage = (u: Record<string, unknown>) => ({ choices: [], usage: u });

/** Printable: no control characters, lone surrogates or undecodable bytes (U+FFFD). */
const printable = (s: string) => !/[\p{Cc}\p{Cs}\ufffd]/u.test(s);

describe('impossible answers are failed requests (SB_INVALID_ANSWER), with the field named', () => {
  it.each<[string, unknown[], RegExp]>([
    [
      'negative usage',
      [
        text('a'),
        text('b', 'length'),
        usage({ prompt_tokens: 3, completion_tokens: -742, total_tokens: -739 }),
      ],
      /usage.completion_tokens is -742: a token count is a non-negative integer/,
    ],
    [
      'a fractional count',
      [text('a', 'length'), usage({ prompt_tokens: 2.5, completion_tokens: 1 })],
      /usage.prompt_tokens is 2.5/,
    ],
    [
      'a count as a string',
      [text('a', 'length'), usage({ prompt_tokens: 3, completion_tokens: '1' })],
      /is "1"/,
    ],
    [
      'a total that does not add up',
      [text('a', 'length'), usage({ prompt_tokens: 3, completion_tokens: 1, total_tokens: 40 })],
      /total_tokens is 40, but prompt_tokens \+ completion_tokens is 3 \+ 1 = 4/,
    ],
    [
      'continuous usage going down',
      [
        { ...text('a'), usage: { prompt_tokens: 3, completion_tokens: 2 } },
        { ...text('b', 'length'), usage: { prompt_tokens: 3, completion_tokens: 1 } },
      ],
      /completion_tokens went down within one answer, from 2 to 1/,
    ],
    [
      'prompt tokens changing',
      [
        { ...text('a'), usage: { prompt_tokens: 3, completion_tokens: 1 } },
        { ...text('b', 'length'), usage: { prompt_tokens: 9, completion_tokens: 2 } },
      ],
      /prompt_tokens changed within one answer, from 3 to 9/,
    ],
    [
      'text but zero completion tokens',
      [text('a'), text('b', 'length'), usage({ prompt_tokens: 3, completion_tokens: 0 })],
      /completion_tokens is 0, but the stream carried 2 tokens/,
    ],
    [
      'no choices at all',
      [usage({ prompt_tokens: 3, completion_tokens: 5 })],
      /no choice with content or a finish_reason/,
    ],
    ['choices that are not a list', [{ choices: 'a' }], /choices is "a", not a list/],
  ])('%s', async (_case, events, message) => {
    const out = await sendTo((res) => sse(res, events));
    expect(out.failure?.code).toBe(requestFailure.invalidAnswer);
    expect(out.failure?.message).toMatch(message);
  });

  it('a clean answer with an empty text but a finish_reason (EOS first) is fine', async () => {
    const out = await sendTo((res) =>
      sse(res, [text('', 'stop'), usage({ prompt_tokens: 3, completion_tokens: 1 })]),
    );
    expect(out.failure).toBeNull();
    expect(out.outputTokens).toBe(1);
  });

  it("the stream server's negative-usage and no-choices faults fail the same way", async () => {
    for (const fault of ['negative-usage', 'no-choices'] as const) {
      const out = await send({ fault: () => fault });
      expect(out.failure?.code, fault).toBe(requestFailure.invalidAnswer);
      await server?.close();
      server = undefined;
    }
  });
});

describe('oversized, compressed and binary answers are bad responses with their own codes', () => {
  const tenMb = 10 * 1024 * 1024;
  const bigEvent = () =>
    JSON.stringify({ choices: [{ index: 0, text: 'x'.repeat(tenMb), finish_reason: 'length' }] });

  it('parses a 10 MB event in time linear in its size: within a small multiple of JSON.parse of the same bytes', async () => {
    const event = bigEvent();
    server = await scripted((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: ${event}\n\n`);
    });
    // The bytes as the network delivered them, over a real socket.
    const { body: stream } = await request(`${server.url}/v1/completions`, { method: 'POST', body: '{}' });
    const received: Buffer[] = [];
    for await (const chunk of stream) received.push(chunk as Buffer);
    const all = Buffer.concat(received);
    // Also cut into 16 KiB pieces, as a slower network delivers them: a parser that rescans its
    // buffer on every piece does ~640 scans of up to 10 MB here (seconds), a linear one one pass.
    const pieces = Array.from({ length: Math.ceil(all.length / 16384) }, (_, i) =>
      all.subarray(i * 16384, (i + 1) * 16384),
    );
    const best = (f: () => void) => {
      let min = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        f();
        min = Math.min(min, performance.now() - t);
      }
      return min;
    };
    const parse = (chunks: Buffer[]) => () => {
      const parser = new SseParser(Number.POSITIVE_INFINITY);
      let length = 0;
      for (const c of chunks)
        parser.push(
          c,
          (d) =>
            (length += (JSON.parse(d) as { choices: Array<{ text: string }> }).choices[0]?.text.length ?? 0),
        );
      expect(length).toBe(tenMb);
    };
    const reference = best(() => JSON.parse(new TextDecoder().decode(all).slice(6, -2)));
    expect(best(parse(received))).toBeLessThan(10 * reference);
    expect(best(parse(pieces))).toBeLessThan(10 * reference);
  });

  it('an event over the client limit fails as SB_EVENT_TOO_LARGE, with no chunk (no TTFT) recorded', async () => {
    const event = bigEvent();
    const out = await sendTo((res) => sse(res, [event]));
    expect(out.failure?.code).toBe(requestFailure.eventTooLarge);
    expect(out.failure?.message).toMatch(new RegExp(`grew past ${MAX_EVENT_CHARS} characters`));
    expect(out.chunkMs).toEqual([]);
  });

  it('a 200 KB response header is SB_HEADERS_TOO_LARGE, not a connect failure', async () => {
    const out = await sendTo((res) =>
      sse(res, [text('a', 'length'), usage({ prompt_tokens: 1, completion_tokens: 1 })], {
        'x-big': 'a'.repeat(200 * 1024),
      }),
    );
    expect(out.failure?.code).toBe(requestFailure.headersTooLarge);
    expect(out.failure?.message).toMatch(/headers were larger than the client's limit/);
  });

  it('a gzip stream is SB_CONTENT_ENCODING, and no binary reaches the message', async () => {
    const out = await sendTo((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
      res.end(gzipSync(`data: ${JSON.stringify(text('a', 'length'))}\n\ndata: [DONE]\n\n`));
    });
    expect(out.failure?.code).toBe(requestFailure.contentEncoding);
    expect(out.failure?.message).toMatch(/content-encoding: gzip/);
    expect(printable(out.failure?.message ?? '')).toBe(true);
  });

  it('an error status with a gzip or binary body keeps its status code and a printable message', async () => {
    const gz = await sendTo((res) => {
      res.writeHead(500, { 'content-encoding': 'gzip' });
      res.end(gzipSync('{"error": "boom"}'));
    });
    expect(gz.failure?.code).toBe(requestFailure.httpStatus);
    expect(gz.failure?.message).toMatch(/^HTTP 500: \(a gzip-encoded body, not decoded\)$/);
    await server?.close();
    const binary = await sendTo((res) => {
      res.writeHead(502);
      res.end(
        Buffer.from([
          0x1b,
          0x5b,
          0x32,
          0x4a,
          0xff,
          0xfe,
          0x00,
          0x07,
          ...Buffer.from(' bad gateway from the upstream proxy'),
        ]),
      );
    });
    expect(binary.failure?.code).toBe(requestFailure.httpStatus);
    expect(binary.failure?.message).toMatch(
      /^HTTP 502: \\u001b\[2J\\ufffd\\ufffd\\u0000\\u0007 bad gateway from the upstream proxy$/,
    );
    expect(printable(binary.failure?.message ?? '')).toBe(true);
  });

  it('a stream cut inside a binary event shows no binary', async () => {
    const out = await sendTo((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(Buffer.concat([Buffer.from('data: '), gzipSync('x'.repeat(500))]));
    });
    expect(out.failure?.code).toBe(requestFailure.streamCut);
    expect(printable(out.failure?.message ?? '')).toBe(true);
  });
});

describe('client-side resource exhaustion is SB_CLIENT_RESOURCES, not a server failure', () => {
  it.skipIf(process.platform === 'win32')(
    'out of file descriptors (a child process under ulimit -n 64 opening 200 streams; skipped on Windows, which has no ulimit)',
    async () => {
      server = await startStreamServer({ fault: () => 'pause', pauseMs: 500 });
      const script = `
        import { Agent } from 'undici';
        import { sendStream } from ${JSON.stringify(fileURLToPath(new URL('./openai-stream.ts', import.meta.url)))};
        const dispatcher = new Agent({ connections: null });
        const target = { dispatcher, origin: process.argv[1], path: '/v1/completions', headers: {} };
        const body = ${JSON.stringify(body())};
        const send = () => sendStream(target, body, () => performance.now(), 20000);
        await send(); // undici loads its parser first, as in a run
        const outs = await Promise.all(Array.from({ length: 200 }, send));
        process.stdout.write(JSON.stringify(outs.map((o) => [o.failure?.code ?? null, o.failure?.message ?? null])));
        process.exit(0);`;
      const child = spawn(
        '/bin/sh',
        [
          '-c',
          'ulimit -n 64 && exec "$0" --input-type=module -e "$1" "$2"',
          process.execPath,
          script,
          server.url,
        ],
        { cwd: fileURLToPath(new URL('../../..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const code = await new Promise((resolve) => child.on('close', resolve));
      expect(code, stderr).toBe(0);
      const outcomes = JSON.parse(stdout) as Array<[string | null, string | null]>;
      const codes = new Set(outcomes.map(([c]) => c));
      // Some streams fit under the limit and succeed; the rest fail in the client, never as SB_CONNECT.
      expect(codes).toEqual(new Set([null, requestFailure.clientResources]));
      const failure = outcomes.find(([c]) => c !== null)?.[1] ?? '';
      expect(failure).toMatch(
        /open-file limit is reached .*EMFILE.*this is the client's limit, not the server's/,
      );
    },
  );

  it.each([
    ['EMFILE', /open-file limit/],
    ['ENFILE', /open-file table is full/],
    ['EADDRNOTAVAIL', /no local port is free/],
  ])('classifies the socket error Node raises for %s (code on the error or its cause)', (code, message) => {
    const error = Object.assign(new Error(`connect ${code} 127.0.0.1:8000 - Local (undefined:undefined)`), {
      code,
      errno: -24,
      syscall: 'connect',
    });
    expect(classifyTransportError(error, false)).toMatchObject({ code: requestFailure.clientResources });
    expect(classifyTransportError(error, false).message).toMatch(message);
    const wrapped = Object.assign(new Error('fetch failed'), { code: 'UND_ERR_SOCKET', cause: error });
    expect(classifyTransportError(wrapped, true).code).toBe(requestFailure.clientResources);
  });
});
