import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import { DatasetError } from './errors.ts';
import { lengthRange, randomDataset } from './random.ts';
import { FIRST_TOKEN_ID } from './sampling.ts';
import { estimateTokenCounter } from './token-counter.ts';

const tokens = estimateTokenCounter();

describe('randomDataset', () => {
  it('uses vLLM defaults: 1024 prompt tokens, 128 output tokens, exact counts', async () => {
    const requests = await randomDataset().sample(20, createRng(1), tokens);
    expect(requests).toHaveLength(20);
    for (const r of requests) {
      expect(Array.isArray(r.prompt)).toBe(true);
      expect(r.prompt).toHaveLength(1024);
      expect(r.promptTokens).toBe(1024);
      expect(r.promptTokensEstimated).toBe(false);
      expect(r.maxTokens).toBe(128);
    }
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const ds = randomDataset({ input_len: 64, output_len: 16, range_ratio: 0.5, prefix_len: 8 });
    const a = await ds.sample(50, createRng(7), tokens);
    const b = await ds.sample(50, createRng(7), tokens);
    const c = await ds.sample(50, createRng(8), tokens);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(c.map((r) => r.promptTokens)).not.toEqual(a.map((r) => r.promptTokens));
  });

  it('draws lengths uniformly over [floor(len*(1-r)), ceil(len*(1+r))]', async () => {
    const ds = randomDataset({ input_len: 100, output_len: 10, range_ratio: 0.25 });
    const requests = await ds.sample(4000, createRng(3), tokens);
    const inputs = requests.map((r) => r.promptTokens);
    const outputs = requests.map((r) => r.maxTokens);
    expect(Math.min(...inputs)).toBe(75);
    expect(Math.max(...inputs)).toBe(125);
    // output: floor(7.5) = 7 .. ceil(12.5) = 13
    expect(Math.min(...outputs)).toBe(7);
    expect(Math.max(...outputs)).toBe(13);
    const meanInput = inputs.reduce((s, x) => s + x, 0) / inputs.length;
    expect(meanInput).toBeGreaterThan(98);
    expect(meanInput).toBeLessThan(102);
    // Every one of the 51 input lengths turns up (4000 draws, ~78 expected each).
    expect(new Set(inputs).size).toBe(51);
  });

  it('shares one random prefix across requests and keeps token IDs in [100, vocab_size)', async () => {
    const ds = randomDataset({ input_len: 32, output_len: 4, prefix_len: 16, vocab_size: 1000 });
    const requests = await ds.sample(30, createRng(11), tokens);
    const prefix = (requests[0]?.prompt as number[] | undefined)?.slice(0, 16);
    const ids = new Set<number>();
    for (const r of requests) {
      const promptIds = r.prompt as number[];
      expect(promptIds).toHaveLength(48);
      expect(r.promptTokens).toBe(48);
      expect(promptIds.slice(0, 16)).toEqual(prefix);
      for (const id of promptIds) ids.add(id);
    }
    expect(Math.min(...ids)).toBeGreaterThanOrEqual(FIRST_TOKEN_ID);
    expect(Math.max(...ids)).toBeLessThan(1000);
    // The per-request parts differ from one another.
    const suffixes = new Set(requests.map((r) => (r.prompt as number[]).slice(16).join(',')));
    expect(suffixes.size).toBe(30);
  });

  it('keeps output lengths at least 1', async () => {
    const ds = randomDataset({ input_len: 20, output_len: 1, range_ratio: 0.9 });
    const requests = await ds.sample(200, createRng(5), tokens);
    expect(Math.min(...requests.map((r) => r.maxTokens))).toBe(1);
    expect(Math.max(...requests.map((r) => r.maxTokens))).toBe(2);
  });

  it('returns nothing for n = 0 and rejects a bad n', async () => {
    expect(await randomDataset().sample(0, createRng(1), tokens)).toEqual([]);
    await expect(randomDataset().sample(-1, createRng(1), tokens)).rejects.toThrow(
      'number of requests must be a non-negative integer, got -1',
    );
  });

  it('names the field in validation errors', () => {
    expect(() => randomDataset({ input_len: -3 })).toThrow(
      'random-input-len must be a positive integer, got -3 (spec field "input_len")',
    );
    expect(() => randomDataset({ range_ratio: 1 })).toThrow(
      'random-range-ratio must be a number in [0, 1), got 1',
    );
    expect(() => randomDataset({ vocab_size: 50 })).toThrow('random-vocab-size must be an integer above 100');
    const error = (() => {
      try {
        randomDataset({ input_len: 1, range_ratio: 0.5 });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).message).toMatch(/random-input-len is too small/);
    expect((error as DatasetError).code).toBe('SB_DATASET');
    expect((error as DatasetError).hint).toMatch(/prefix_len/);
  });
});

describe('lengthRange', () => {
  it('floors the low end and ceils the high end', () => {
    expect(lengthRange(1024, 0)).toEqual({ low: 1024, high: 1024 });
    expect(lengthRange(10, 0.25)).toEqual({ low: 7, high: 13 });
  });
});
