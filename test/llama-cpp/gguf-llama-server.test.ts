/**
 * llama.cpp's llama-server serving the random tiny model of scripts/llama-cpp/random-gguf.ts on
 * 127.0.0.1: the synthetic tokenizer round-trips through /tokenize and /detokenize exactly as our
 * own BPE encodes, and completions stream their tokens with finite log-probabilities. Runs when a
 * llama-server binary is named by SERVEBENCH_LLAMA_SERVER (.ci/run builds one with
 * scripts/llama-cpp/build.ts and sets it); in CI a missing one fails instead of skipping.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRandomGguf } from '../../scripts/llama-cpp/random-gguf.ts';
import { buildVocabulary } from '../../scripts/llama-cpp/tokenizer-bpe.ts';
import { tempDirs } from '../helpers/files/temp-dirs.ts';

const binary = process.env.SERVEBENCH_LLAMA_SERVER ?? '';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const available = executable(binary);
const title = available
  ? `llama-server (${binary}) serves the random tiny qwen2 GGUF`
  : `llama-server serves the random tiny qwen2 GGUF (skipped: no executable llama-server at '${binary}'; set SERVEBENCH_LLAMA_SERVER to one built by scripts/llama-cpp/build.ts)`;

const tempDir = tempDirs('gguf-llama-server');

/** The tiny model's vocabulary (it does not depend on the seed). */
const vocab = buildVocabulary(8192);

const TEXT = 'The model answered the request with a short paragraph.\n\nnaïve 日本語 🙂 x = 42;';

describe.skipIf(!available && !process.env.CI)(title, () => {
  let server: ChildProcess | undefined;
  let log = '';
  let base = '';

  const post = async (path: string, body: unknown): Promise<Response> => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`POST ${path}: HTTP ${res.status}: ${await res.text()}`);
    return res;
  };

  beforeAll(async () => {
    const model = join(await tempDir(), 'tiny.gguf');
    await generateRandomGguf({ shape: 'tiny', out: model, seed: 1 });
    // --port 0: the OS picks a free port, which llama-server logs ("listening on http://...").
    const child = spawn(
      binary,
      ['-m', model, '--host', '127.0.0.1', '--port', '0', '-t', '2', '-c', '4096', '-np', '1', '--no-warmup'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server = child;
    const exited = once(child, 'exit').then(([code, signal]) => {
      throw new Error(`llama-server exited (${code ?? signal}) before it was ready:\n${log.slice(-4000)}`);
    });
    exited.catch(() => {});
    const listening = new Promise<string>((resolve) => {
      const onData = (chunk: Buffer): void => {
        log += chunk.toString();
        const url = log.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
        if (url) resolve(url);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
    });
    base = await Promise.race([listening, exited]);
    const deadline = Date.now() + 50_000;
    for (;;) {
      const res = await Promise.race([fetch(`${base}/health`).catch(() => undefined), exited]);
      if (res?.status === 200) break;
      if (Date.now() > deadline)
        throw new Error(`llama-server was not healthy within 50 s:\n${log.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    const child = server;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exit = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exit;
    clearTimeout(timer);
  });

  it('/tokenize gives the ids our BPE encoder gives, and /detokenize gives the text back', async () => {
    const { tokens } = (await (await post('/tokenize', { content: TEXT })).json()) as { tokens: number[] };
    expect(tokens).toEqual(vocab.bpe.encode(TEXT));
    const { content } = (await (await post('/detokenize', { tokens })).json()) as { content: string };
    expect(content).toBe(TEXT);
  });

  it('a streamed /v1/completions with max_tokens 16 streams 16 tokens with finite log-probabilities', async () => {
    const res = await post('/v1/completions', {
      prompt: 'Once upon a time',
      max_tokens: 16,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
      logprobs: 1,
      seed: 7,
    });
    const events = (await res.text())
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => l.slice('data: '.length));
    expect(events.at(-1)).toBe('[DONE]');
    type Chunk = {
      choices: {
        text: string;
        finish_reason: string | null;
        logprobs: { content: { logprob: number }[] } | null;
      }[];
      usage?: { completion_tokens: number; prompt_tokens: number };
    };
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as Chunk);
    const logprobs = chunks.flatMap((c) => c.choices.flatMap((ch) => ch.logprobs?.content ?? []));
    expect(logprobs).toHaveLength(16);
    expect(logprobs.every((l) => Number.isFinite(l.logprob) && l.logprob <= 0)).toBe(true);
    const last = chunks.at(-1);
    expect(last?.choices[0]?.finish_reason).toBe('length');
    expect(last?.usage?.completion_tokens).toBe(16);
    expect(last?.usage?.prompt_tokens).toBe(vocab.bpe.encode('Once upon a time').length);
    expect(chunks.map((c) => c.choices[0]?.text ?? '').join('').length).toBeGreaterThan(0);
  });

  it('a 400-token completion runs to max_tokens: every token the model can emit is text llama-server accepts', async () => {
    // Without the output bias, lone bytes 0x80-0xFF came out within a few hundred tokens and the
    // server failed the request ("does not match the expected Content-only format").
    const res = await post('/v1/completions', {
      prompt: 'Tell me a story.',
      max_tokens: 400,
      ignore_eos: true,
      seed: 3,
    });
    const body = (await res.json()) as {
      choices: { text: string; finish_reason: string }[];
      usage: { completion_tokens: number };
    };
    expect(body.choices[0]?.finish_reason).toBe('length');
    expect(body.usage.completion_tokens).toBe(400);
    expect(body.choices[0]?.text).not.toContain('\uFFFD');
  });

  it('/v1/chat/completions applies the ChatML template and stops at max_tokens', async () => {
    const res = await post('/v1/chat/completions', {
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 8,
      ignore_eos: true,
    });
    const body = (await res.json()) as {
      choices: { message: { role: string; content: string }; finish_reason: string }[];
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    expect(body.choices[0]?.message.role).toBe('assistant');
    expect(typeof body.choices[0]?.message.content).toBe('string');
    expect(body.choices[0]?.finish_reason).toBe('length');
    expect(body.usage.completion_tokens).toBe(8);
    // <|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n
    const text = (s: string): number => vocab.bpe.encode(s).length;
    const expected =
      5 +
      text('system\nYou are a helpful assistant.') +
      text('\n') * 2 +
      text('user\nHello') +
      text('assistant\n');
    expect(body.usage.prompt_tokens).toBe(expected);
  });
});
