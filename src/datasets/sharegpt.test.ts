import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import { DatasetError } from './errors.ts';
import { parseShareGpt, rejectReason, sharegptDataset } from './sharegpt.ts';
import { estimateTokenCounter } from './token-counter.ts';
import type { TokenCounter } from './types.ts';

/** A real (if crude) tokenizer: one token per whitespace-separated word. */
const wordCounter: TokenCounter = {
  async count(prompts) {
    const counts = prompts.map((p) =>
      typeof p === 'string' ? p.split(/\s+/).filter(Boolean).length : p.length,
    );
    return { counts, estimated: false };
  },
};

const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`).join(' ');
const pair = (id: string, prompt: string, answer: string, extraTurns = 0) => ({
  id,
  conversations: [
    { from: 'human', value: prompt },
    { from: 'gpt', value: answer },
    ...Array.from({ length: extraTurns }, (_, i) => ({ from: i % 2 ? 'gpt' : 'human', value: 'more' })),
  ],
});

// Expected under vLLM's filters (word counter): kept a, f, h; b and g skipped for < 2 turns.
const tiny = [
  pair('a', words(5, 'a'), words(6, 'A')), // kept
  { id: 'b', conversations: [{ from: 'human', value: words(8, 'b') }] }, // one turn: skipped at load
  pair('c', words(3, 'c'), words(50, 'C')), // prompt < 4
  pair('d', words(9, 'd'), words(2, 'D')), // output < 4 (kept with a fixed output length)
  pair('e', words(1025, 'e'), words(10, 'E')), // prompt > 1024
  pair('f', words(10, 'f'), words(20, 'F')), // kept
  { id: 'g', conversations: [] }, // no turns: skipped at load
  pair('h', words(4, 'h'), words(4, 'H'), 1), // kept: boundaries are inclusive, third turn ignored
  pair('i', words(1000, 'i'), words(1100, 'I')), // prompt + output > 2048
];

describe('sharegptDataset', () => {
  let dir: string;
  let tinyPath: string;
  const fixture = join(import.meta.dirname, '../../fixtures/sharegpt-small.json');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-sharegpt-'));
    tinyPath = join(dir, 'tiny.json');
    await writeFile(tinyPath, JSON.stringify(tiny));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("filters like vLLM and uses the completion's token count as output length", async () => {
    const ds = await sharegptDataset({ path: tinyPath, shuffle: false });
    expect(ds.file).toMatchObject({ entries: 9, tooFewTurns: 2 });
    expect(ds.file.pairs).toHaveLength(7);
    const requests = await ds.sample(7, createRng(1), wordCounter);
    expect(ds.lastSample).toEqual({
      examined: 7,
      accepted: 3,
      rejected: { 'prompt-too-short': 1, 'output-too-short': 1, 'prompt-too-long': 1, 'total-too-long': 1 },
    });
    // Three pass; the rest is the same three again, in order.
    expect(requests.map((r) => [(r.prompt as string).slice(0, 2), r.promptTokens, r.maxTokens])).toEqual([
      ['a0', 5, 6],
      ['f0', 10, 20],
      ['h0', 4, 4],
      ['a0', 5, 6],
      ['f0', 10, 20],
      ['h0', 4, 4],
      ['a0', 5, 6],
    ]);
    expect(requests.every((r) => r.promptTokensEstimated === false)).toBe(true);
  });

  it('skips only the output check with a fixed output length, as vLLM does', async () => {
    const ds = await sharegptDataset({ path: tinyPath, shuffle: false, output_len: 64 });
    const requests = await ds.sample(5, createRng(1), wordCounter);
    expect(requests.map((r) => (r.prompt as string).slice(0, 2))).toEqual(['a0', 'd0', 'f0', 'h0', 'i0']);
    expect(requests.every((r) => r.maxTokens === 64)).toBe(true);
    expect(ds.lastSample?.rejected).toEqual({
      'prompt-too-short': 1,
      'output-too-short': 0,
      'prompt-too-long': 1,
      'total-too-long': 0,
    });
    // The total still counts: 1000 + 1100 > 2048.
    const long = await sharegptDataset({ path: tinyPath, shuffle: false, output_len: 1100 });
    await long.sample(7, createRng(1), wordCounter);
    expect(long.lastSample?.rejected['total-too-long']).toBe(1);
  });

  it('stops once n pairs pass', async () => {
    const ds = await sharegptDataset({ path: tinyPath, shuffle: false });
    const requests = await ds.sample(2, createRng(1), wordCounter);
    expect(requests).toHaveLength(2);
    // a passes, c d e fail, f passes: h and i are never counted.
    expect(ds.lastSample).toMatchObject({ examined: 5, accepted: 2 });
  });

  it('shuffles deterministically with the rng', async () => {
    const ds = await sharegptDataset({ path: fixture });
    const tokens = estimateTokenCounter();
    const a = await ds.sample(50, createRng(42), tokens);
    const b = await ds.sample(50, createRng(42), tokens);
    const c = await ds.sample(50, createRng(43), tokens);
    expect(b).toEqual(a);
    expect(c.map((r) => r.prompt)).not.toEqual(a.map((r) => r.prompt));
    expect(new Set(a.map((r) => r.prompt)).size).toBe(50);
    expect(a.every((r) => r.promptTokensEstimated)).toBe(true);
  });

  it('loads the generated fixture and filters the planted short prompts', async () => {
    const ds = await sharegptDataset({ path: fixture });
    expect(ds.file).toMatchObject({ entries: 200, tooFewTurns: 5 });
    const requests = await ds.sample(400, createRng(1), wordCounter);
    expect(requests).toHaveLength(400);
    const stats = ds.lastSample;
    expect(stats?.examined).toBe(195);
    expect(stats?.rejected['prompt-too-short']).toBe(3); // the three 2-word prompts
    expect(stats?.accepted).toBe(195 - Object.values(stats?.rejected ?? {}).reduce((s, x) => s + x, 0));
    expect(new Set(requests.map((r) => r.prompt)).size).toBe(stats?.accepted);
    for (const r of requests) {
      expect(r.promptTokens).toBeGreaterThanOrEqual(4);
      expect(r.promptTokens).toBeLessThanOrEqual(1024);
      expect(r.promptTokens + r.maxTokens).toBeLessThanOrEqual(2048);
    }
  });

  it('fails clearly when nothing passes the filters', async () => {
    const path = join(dir, 'all-short.json');
    await writeFile(path, JSON.stringify([pair('x', 'hi', 'hello there you'), pair('y', 'a b', 'c d e f')]));
    const ds = await sharegptDataset({ path });
    await expect(ds.sample(3, createRng(1), wordCounter)).rejects.toThrow(
      `no conversation in ${path} passes the length filters`,
    );
  });
});

describe('parseShareGpt errors', () => {
  const bad = (text: string) => {
    try {
      parseShareGpt(text, 'data/sg.json');
    } catch (error) {
      expect(error).toBeInstanceOf(DatasetError);
      return (error as DatasetError).message;
    }
    throw new Error('expected a DatasetError');
  };

  it('names the file and what is wrong', () => {
    expect(bad('{"oops"')).toMatch(/^data\/sg\.json is not valid JSON: /);
    expect(bad('{"conversations": []}')).toBe(
      'data/sg.json must hold a JSON array of conversations, got an object',
    );
    const entries = Array.from({ length: 18 }, (_, i) => pair(`id${i}`, 'p q r s', 'a b c d'));
    (entries[17] as Record<string, unknown>).conversations = undefined;
    expect(bad(JSON.stringify(entries))).toBe(
      'data/sg.json: entry 17 (id "id17") has no "conversations" array (got nothing)',
    );
    expect(bad('[42]')).toBe('data/sg.json: entry 0 must be an object, got a number');
    expect(bad('[{"conversations": [{"from": "human", "value": "x"}, {"from": "gpt"}]}]')).toBe(
      'data/sg.json: entry 0, turn 1 has no string "value"',
    );
  });

  it('reports an unreadable file with its path', async () => {
    await expect(sharegptDataset({ path: '/nonexistent/sg.json' })).rejects.toThrow(
      /cannot read ShareGPT file \/nonexistent\/sg\.json: ENOENT/,
    );
  });
});

describe('rejectReason', () => {
  it("matches vLLM's is_valid_sequence", () => {
    expect(rejectReason(4, 4, false)).toBeUndefined();
    expect(rejectReason(3, 100, false)).toBe('prompt-too-short');
    expect(rejectReason(100, 3, false)).toBe('output-too-short');
    expect(rejectReason(100, 3, true)).toBeUndefined();
    expect(rejectReason(1025, 10, false)).toBe('prompt-too-long');
    expect(rejectReason(1024, 1024, false)).toBeUndefined();
    expect(rejectReason(1024, 1025, true)).toBe('total-too-long');
  });
});
