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
  const server = useServer(
    llamaSpec(['--max-num-seqs', '4', '--max-model-len', '1024', '--threads', onGpu ? '4' : '1']),
  );

  it('names the engine, its build and slots', () => {
    expect(server.info?.engine).toMatchObject({ name: 'llama.cpp', slots: 4 });
    expect(server.info?.hardware).toMatch(/^llama\.cpp:/);
    expect(server.info?.server).toMatch(/^llama\.cpp b\d+/);
  });

  for (const endpoint of ['/v1/completions', '/v1/chat/completions'] as const) {
    it(`${endpoint}: every request served, every token counted once`, async () => {
      const result = await runLoad(server, {
        endpoint,
        arrival: { kind: 'poisson', rate: 4 },
        requests: REQUESTS,
        dataset: { name: 'random', input_len: 128, output_len: OUTPUT, vocab_size: VOCAB },
        ignoreEos: true,
      });
      expect(result.summary.failed).toBe(0);
      expect(result.summary.completed).toBe(REQUESTS);
      expect(result.summary.total_output_tokens).toBe(REQUESTS * OUTPUT);
      for (const record of result.records) {
        // The chunks carry the tokens the server counted, no more (the last, usage-only chunk none).
        expect(record.chunk_tokens.reduce((a, b) => a + b, 0)).toBe(record.output_tokens);
      }
    });
  }
});
