import { afterEach, describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import {
  type LlamaServer,
  type LlamaServerOptions,
  startLlamaServer,
  toyPieces,
} from '../testing/llama-server.ts';
import { json, listenLoopback, routeRequest } from '../testing/stream-server.ts';
import { randomDataset } from './random.ts';
import { textPrompts } from './text-prompts.ts';
import { estimateTokens, serverTokenCounter } from './token-counter.ts';
import type { SampledRequest } from './types.ts';

let server: LlamaServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Random-dataset samples (token IDs) and a codec for a toy engine. */
async function setUp(options: LlamaServerOptions, inputLen = 40) {
  server = await startLlamaServer(options);
  const tokens = serverTokenCounter(server.url, 'toy.gguf');
  const dataset = randomDataset({ input_len: inputLen, output_len: 8, prefix_len: 8, vocab_size: 676 });
  const samples = await dataset.sample(6, createRng(7), tokens);
  return { tokens, samples };
}

describe('textPrompts: chat prompts from token IDs, of the requested token length', () => {
  it.each(['llama.cpp', 'vllm'] as const)(
    'decodes with /detokenize (%s), re-counts with /tokenize and adjusts to the exact length',
    async (shape) => {
      const { tokens, samples } = await setUp({ shape });
      const { samples: out, notes } = await textPrompts(samples, tokens, createRng(1), { vocabSize: 676 });
      expect(notes).toEqual([]);
      out.forEach((s, i) => {
        const asked = ((samples[i] as SampledRequest).prompt as number[]).length;
        expect(typeof s.prompt).toBe('string');
        // The toy tokenizer reads two-letter pieces in threes: decoding alone gives ~2/3 of the tokens.
        expect(toyPieces(s.prompt as string)).toHaveLength(asked);
        expect(s).toMatchObject({
          promptTokens: asked,
          promptTokensEstimated: false,
          maxTokens: samples[i]?.maxTokens,
        });
      });
      // Content counts carry no special tokens (no BOS), in the shape the server takes.
      const counts = (server?.received ?? []).filter((r) => r.path === '/tokenize').map((r) => r.body);
      expect(counts.at(-1)).toEqual(
        shape === 'vllm'
          ? expect.objectContaining({ add_special_tokens: false })
          : expect.objectContaining({ add_special: false }),
      );
    },
  );

  it('is deterministic for a given rng and server', async () => {
    const { tokens, samples } = await setUp({});
    const a = await textPrompts(samples, tokens, createRng(3), { vocabSize: 676 });
    const b = await textPrompts(samples, tokens, createRng(3), { vocabSize: 676 });
    expect(a.samples).toEqual(b.samples);
  });

  it("without /detokenize: common words sized by the server's /tokenize, not estimated, and a note says so", async () => {
    const { tokens, samples } = await setUp({ noDetokenize: true }, 30);
    const { samples: out, notes } = await textPrompts(samples, tokens, createRng(1), { vocabSize: 676 });
    for (const s of out) {
      expect(s.prompt).toMatch(/^[a-z]+( [a-z]+)*$/);
      expect(toyPieces(s.prompt as string).length).toBe(s.promptTokens);
      expect(s.promptTokensEstimated).toBe(false);
    }
    expect(out.map((s) => s.promptTokens)).toEqual(samples.map((s) => (s.prompt as number[]).length));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(
      /6 of 6 chat prompts are common words.*no \/detokenize.*HTTP 404.*counted with the server's \/tokenize/,
    );
  });

  it('a length it cannot reach is kept at its real count, and a note says how many missed', async () => {
    // Every ID decodes to two characters and every character is a token: an odd length is out of reach.
    const odd = await listenLoopback(async (req, res) => {
      const r = await routeRequest(req, res, 'm', ['/tokenize', '/detokenize']);
      if (!r) return;
      const body = JSON.parse(r.raw) as { prompt?: string; tokens?: number[] };
      if (r.url === '/detokenize') return json(res, 200, { prompt: 'ab'.repeat(body.tokens?.length ?? 0) });
      const n = body.prompt?.length ?? 0;
      json(res, 200, { count: n, tokens: Array.from({ length: n }, (_, i) => i) });
    }, 0);
    try {
      const sample = {
        prompt: [100, 101, 102, 103, 104],
        promptTokens: 5,
        promptTokensEstimated: false,
        maxTokens: 1,
      };
      const { samples, notes } = await textPrompts([sample], serverTokenCounter(odd.url, 'm'), createRng(1), {
        vocabSize: 200,
      });
      const prompt = samples[0]?.prompt as string;
      expect(samples[0]?.promptTokens).toBe(prompt.length);
      expect(Math.abs(prompt.length - 5)).toBe(1);
      expect(notes).toEqual([
        '1 of 1 chat prompts missed their token length after 10 adjustments (1 tokens off in all); their prompt_tokens are what they counted',
      ]);
    } finally {
      await odd.close();
    }
  });

  it('without any server tokenizer: words sized by the estimator, flagged estimated, with a note', async () => {
    const samples: SampledRequest[] = [
      {
        prompt: Array.from({ length: 50 }, (_, i) => 100 + i),
        promptTokens: 50,
        promptTokensEstimated: false,
        maxTokens: 4,
      },
      { prompt: 'already text', promptTokens: 2, promptTokensEstimated: false, maxTokens: 4 },
    ];
    const { samples: out, notes } = await textPrompts(samples, undefined, createRng(1), { vocabSize: 1000 });
    expect(out[0]?.promptTokensEstimated).toBe(true);
    expect(estimateTokens(out[0]?.prompt as string)).toBe(out[0]?.promptTokens);
    expect(Math.abs((out[0]?.promptTokens ?? 0) - 50)).toBeLessThanOrEqual(1);
    expect(out[1]).toBe(samples[1]); // text passes unchanged
    expect(notes[0]).toMatch(/1 of 1 chat prompts are common words.*estimated \(no \/tokenize either\)/);
  });
});
