import { runLoad, useServer } from 'servebench';
import { describe, expect, it } from 'vitest';
import { llamaSpec, onGpu, VOCAB } from './engine.ts';

const REQUESTS = 24;
const OUTPUT = 32;

/**
 * A real engine's answers as servebench reads them: every request served on both endpoints,
 * every output token counted once (llama-server sends usage on a last chunk of its own), the
 * engine named by itself, and its own /metrics beside the client's figures.
 */
describe(`llama.cpp: serving a random Qwen2 ${onGpu ? 'on the GPU' : 'on the CPU'}`, () => {
  const llama = useServer(
    llamaSpec(['--max-num-seqs', '4', '--max-model-len', '1024', '--threads', onGpu ? '4' : '1']),
  );

  it('names the engine, its build and slots', () => {
    expect(llama.info?.engine).toMatchObject({ name: 'llama.cpp', slots: 4 });
    expect(llama.info?.hardware).toMatch(/^llama\.cpp:/);
    expect(llama.info?.server).toMatch(/^llama\.cpp b\d+/);
  });

  for (const endpoint of ['/v1/completions', '/v1/chat/completions'] as const) {
    it(`${endpoint}: every request served, every token counted once`, async ({ task }) => {
      const result = await runLoad(llama, {
        endpoint,
        arrival: { kind: 'poisson', rate: 4 },
        requests: REQUESTS,
        // No vocab_size: token IDs are drawn below the vocabulary llama-server reports.
        dataset: { name: 'random', input_len: 128, output_len: OUTPUT },
        ignoreEos: true,
      });
      if (VOCAB < 32000) {
        expect(result.summary.notes).toContain(
          `token IDs were drawn below ${VOCAB}, the model's vocabulary (the server's /v1/models), not below dataset.vocab_size 32000`,
        );
      }
      expect(result.summary.failed).toBe(0);
      expect(result.summary.completed).toBe(REQUESTS);
      expect(result.summary.total_output_tokens).toBe(REQUESTS * OUTPUT);
      // llama-server's own count (/metrics, llamacpp:tokens_predicted_total) agrees with the client's.
      const server = task.meta.servebench?.serverMetrics;
      expect(server?.available).toBe(true);
      expect(server?.counters.generationTokens?.increase).toBe(REQUESTS * OUTPUT);
      for (const record of result.records) {
        // The chunks carry the tokens the server counted, no more (the last, usage-only chunk none).
        expect(record.chunk_tokens.reduce((a, b) => a + b, 0)).toBe(record.output_tokens);
      }
    });
  }
});
