import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import { prefixRepetitionDataset } from './prefix-repetition.ts';
import { FIRST_TOKEN_ID } from './sampling.ts';
import { estimateTokenCounter } from './token-counter.ts';

const tokens = estimateTokenCounter();

describe('prefixRepetitionDataset', () => {
  it("uses vLLM's defaults: 10 prefixes of 256 tokens, 256-token suffixes, 128 output tokens", async () => {
    const requests = await prefixRepetitionDataset().sample(30, createRng(1), tokens);
    expect(requests).toHaveLength(30);
    const prefixes = new Map<string, number>();
    for (const r of requests) {
      expect(r.prompt).toHaveLength(512);
      expect(r.promptTokens).toBe(512);
      expect(r.promptTokensEstimated).toBe(false);
      expect(r.maxTokens).toBe(128);
      const key = (r.prompt as number[]).slice(0, 256).join(',');
      prefixes.set(key, (prefixes.get(key) ?? 0) + 1);
    }
    expect([...prefixes.values()]).toEqual(Array(10).fill(3));
  });

  it('cycles over prefixes (first ones get the remainder) and gives every request its own suffix', async () => {
    const ds = prefixRepetitionDataset({
      prefix_len: 8,
      suffix_len: 4,
      num_prefixes: 3,
      output_len: 5,
      vocab_size: 500,
    });
    const requests = await ds.sample(11, createRng(2), tokens);
    const counts = new Map<string, number>();
    for (const r of requests) {
      const key = (r.prompt as number[]).slice(0, 8).join(',');
      counts.set(key, (counts.get(key) ?? 0) + 1);
      for (const id of r.prompt as number[]) {
        expect(id).toBeGreaterThanOrEqual(FIRST_TOKEN_ID);
        expect(id).toBeLessThan(500);
      }
    }
    expect([...counts.values()].sort()).toEqual([3, 4, 4]);
    expect(new Set(requests.map((r) => (r.prompt as number[]).slice(8).join(','))).size).toBe(11);
  });

  it('shuffles: the same prefix does not simply repeat every num_prefixes requests', async () => {
    const ds = prefixRepetitionDataset({ prefix_len: 4, suffix_len: 2, num_prefixes: 4 });
    const requests = await ds.sample(40, createRng(3), tokens);
    const keys = requests.map((r) => (r.prompt as number[]).slice(0, 4).join(','));
    const periodic = keys.every((k, i) => i < 4 || k === keys[i - 4]);
    expect(periodic).toBe(false);
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const ds = prefixRepetitionDataset({ prefix_len: 16, suffix_len: 16, num_prefixes: 2 });
    const a = await ds.sample(10, createRng(5), tokens);
    expect(await ds.sample(10, createRng(5), tokens)).toEqual(a);
    expect(await ds.sample(10, createRng(6), tokens)).not.toEqual(a);
  });

  it('validates its fields', () => {
    expect(() => prefixRepetitionDataset({ num_prefixes: 0 })).toThrow(
      'prefix-repetition-num-prefixes must be a positive integer, got 0',
    );
    expect(() => prefixRepetitionDataset({ prefix_len: 0, suffix_len: 0 })).toThrow(/must be at least 1/);
  });
});
