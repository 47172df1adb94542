import { Agent } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { summarize } from '../../metrics/summarize.ts';
import { type LlamaServer, startLlamaServer } from '../../testing/llama-server.ts';
import { sendStream } from './openai-stream.ts';

const dispatcher = new Agent();
afterAll(() => dispatcher.close());
let server: LlamaServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("per-token ITL against llama.cpp's streams (20 ms between tokens)", () => {
  it.each([
    ['completions, usage on the finish chunk', '/v1/completions', false],
    ['chat, usage-only last chunk', '/v1/chat/completions', false],
    ['chat, no usage at all', '/v1/chat/completions', true],
  ] as const)(
    '%s: every token ITL is a chunk gap, none a sliver of the finish chunk',
    async (_case, path, noUsage) => {
      server = await startLlamaServer({ itlMs: 20, noUsage });
      const body = JSON.stringify({
        model: 'toy.gguf',
        ...(path === '/v1/completions'
          ? { prompt: 'abc' }
          : { messages: [{ role: 'user', content: 'abc' }] }),
        max_tokens: 6,
        stream: true,
        stream_options: { include_usage: true },
      });
      const now = () => performance.now();
      const out = await sendStream({ dispatcher, origin: server.url, path, headers: {} }, body, now, 5000);
      expect(out.failure).toBeNull();
      const s = summarize([
        {
          ok: true,
          scheduled_ms: out.sentMs,
          sent_ms: out.sentMs,
          end_ms: out.endMs,
          chunk_ms: out.chunkMs,
          chunk_tokens: out.chunkTokens,
          prompt_tokens: out.promptTokens ?? 0,
          output_tokens: out.outputTokens ?? out.chunkTokens.length,
          error: null,
        },
      ]);
      expect(s.total_output_tokens).toBe(6);
      // Crediting the finish chunk with all 6 tokens would add 6 gaps of ~3 ms: the median would be ~3 ms.
      // A busy host delays single timers by a few ms either way.
      expect(s.median_token_itl_ms as number).toBeGreaterThan(12);
      expect(s.median_token_itl_ms as number).toBeLessThan(80);
      expect(s.mean_token_itl_ms as number).toBeCloseTo(s.mean_itl_ms as number, 9);
    },
  );
});
