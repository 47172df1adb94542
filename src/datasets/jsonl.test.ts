import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import { DatasetError } from './errors.ts';
import { jsonlDataset, parseJsonlPrompts } from './jsonl.ts';
import { estimateTokenCounter, estimateTokens } from './token-counter.ts';

describe('jsonlDataset', () => {
  let dir: string;
  let path: string;
  const lines = [
    '{"prompt": "Explain the KV cache in two sentences.", "output_tokens": 40}',
    '',
    '{"prompt": "Write a haiku about GPUs.", "max_tokens": 20, "category": "poetry"}',
    '{"prompt": "What is tensor parallelism?"}',
    '{"prompt": [101, 102, 103, 104, 105], "output_tokens": 8}',
    '   ',
  ];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-jsonl-'));
    path = join(dir, 'prompts.jsonl');
    await writeFile(path, lines.join('\n'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads prompts with their output lengths, defaulting to output_len', async () => {
    const ds = await jsonlDataset({ path, shuffle: false, output_len: 99 });
    expect(ds.prompts.map((p) => p.line)).toEqual([1, 3, 4, 5]);
    const requests = await ds.sample(4, createRng(1), estimateTokenCounter());
    expect(requests).toEqual([
      {
        prompt: 'Explain the KV cache in two sentences.',
        promptTokens: estimateTokens('Explain the KV cache in two sentences.'),
        promptTokensEstimated: true,
        maxTokens: 40,
      },
      {
        prompt: 'Write a haiku about GPUs.',
        promptTokens: estimateTokens('Write a haiku about GPUs.'),
        promptTokensEstimated: true,
        maxTokens: 20,
      },
      {
        prompt: 'What is tensor parallelism?',
        promptTokens: estimateTokens('What is tensor parallelism?'),
        promptTokensEstimated: true,
        maxTokens: 99,
      },
      { prompt: [101, 102, 103, 104, 105], promptTokens: 5, promptTokensEstimated: false, maxTokens: 8 },
    ]);
  });

  it("defaults output_len to vLLM's 256 and cycles when n exceeds the file", async () => {
    const ds = await jsonlDataset({ path, shuffle: false });
    const requests = await ds.sample(10, createRng(1), estimateTokenCounter());
    expect(requests).toHaveLength(10);
    expect(requests.map((r) => r.maxTokens)).toEqual([40, 20, 256, 8, 40, 20, 256, 8, 40, 20]);
  });

  it('shuffles deterministically with the rng', async () => {
    const many = join(dir, 'many.jsonl');
    await writeFile(
      many,
      Array.from({ length: 40 }, (_, i) => JSON.stringify({ prompt: `prompt ${i}` })).join('\n'),
    );
    const ds = await jsonlDataset({ path: many });
    const tokens = estimateTokenCounter();
    const a = await ds.sample(40, createRng(9), tokens);
    const b = await ds.sample(40, createRng(9), tokens);
    const c = await ds.sample(40, createRng(10), tokens);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    // A permutation: every prompt once.
    expect(new Set(a.map((r) => r.prompt)).size).toBe(40);
    expect(a.map((r) => r.prompt)).not.toEqual(Array.from({ length: 40 }, (_, i) => `prompt ${i}`));
  });
});

describe('JSONL errors', () => {
  const bad = (text: string) => {
    try {
      parseJsonlPrompts(text, 'p.jsonl');
    } catch (error) {
      expect(error).toBeInstanceOf(DatasetError);
      return (error as DatasetError).message;
    }
    throw new Error('expected a DatasetError');
  };
  const ok = '{"prompt": "fine"}';

  it('names the file, the line and the field', () => {
    expect(bad(`${ok}\n${ok}\n{"prompt": "x", "output_tokens": 0}`)).toBe(
      'p.jsonl:3: "output_tokens" must be a positive integer, got 0',
    );
    expect(bad(`${ok}\n\n{"prompt": "x", "max_tokens": "12"}`)).toBe(
      'p.jsonl:3: "max_tokens" must be a positive integer, got "12"',
    );
    expect(bad(`${ok}\n{"text": "x"}`)).toBe('p.jsonl:2: missing "prompt"');
    expect(bad('{"prompt": 5}')).toBe('p.jsonl:1: "prompt" must be a string or an array of token IDs');
    expect(bad('{"prompt": ""}')).toBe('p.jsonl:1: "prompt" must not be empty');
    expect(bad('{"prompt": [1, -2]}')).toMatch(/^p\.jsonl:1: "prompt" as an array must be/);
    expect(bad(`${ok}\n${ok}\n${ok}\n{"prompt": "x",}`)).toMatch(/^p\.jsonl:4: not valid JSON/);
    expect(bad('["prompt"]')).toBe('p.jsonl:1: must be a JSON object');
    expect(bad('{"prompt": "x", "output_tokens": 5, "max_tokens": 6}')).toBe(
      'p.jsonl:1: "output_tokens" (5) and "max_tokens" (6) disagree; give one',
    );
  });

  it('counts lines after CRLF endings correctly and accepts matching duplicates', () => {
    const prompts = parseJsonlPrompts(
      '{"prompt": "a"}\r\n\r\n{"prompt": "b", "output_tokens": 3, "max_tokens": 3}\r\n',
      'x',
    );
    expect(prompts).toEqual([
      { prompt: 'a', outputTokens: undefined, line: 1 },
      { prompt: 'b', outputTokens: 3, line: 3 },
    ]);
  });

  it('rejects an empty or missing file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-jsonl-'));
    try {
      const empty = join(dir, 'empty.jsonl');
      await writeFile(empty, '\n\n');
      await expect(jsonlDataset({ path: empty })).rejects.toThrow(`${empty} has no prompts`);
      await expect(jsonlDataset({ path: join(dir, 'nope.jsonl') })).rejects.toThrow(
        /cannot read JSONL file .*ENOENT/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
