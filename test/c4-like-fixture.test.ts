import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DOCUMENTS, generate, MAX_WORDS, MIN_WORDS, OUTPUT_TOKENS } from '../scripts/generate-c4-like.ts';
import { parseJsonlPrompts } from '../src/datasets/jsonl.ts';

const root = join(import.meta.dirname, '..');
const fixture = join(root, 'fixtures/c4-like-docs.jsonl');

describe('scripts/generate-c4-like.ts', () => {
  it('regenerates the committed fixture byte for byte, small enough to commit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-c4-'));
    try {
      const out = join(dir, 'c4.jsonl');
      await promisify(execFile)(process.execPath, [join(root, 'scripts/generate-c4-like.ts'), out]);
      const [fresh, committed] = await Promise.all([readFile(out), readFile(fixture)]);
      expect(fresh.equals(committed)).toBe(true);
      expect(committed.length).toBeLessThan(80 * 1024);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes long documents the jsonl dataset reads, each with the seed’s 192 output tokens', async () => {
    const prompts = parseJsonlPrompts(await readFile(fixture, 'utf8'), fixture);
    expect(prompts).toHaveLength(DOCUMENTS);
    for (const p of prompts) {
      expect(p.outputTokens).toBe(OUTPUT_TOKENS);
      const words = (p.prompt as string).split(/\s+/).length;
      // The last sentence may overshoot the target by a few words.
      expect(words).toBeGreaterThanOrEqual(MIN_WORDS);
      expect(words).toBeLessThan(MAX_WORDS + 60);
    }
  });

  it('varies topic and length from document to document, and depends only on the seed', () => {
    const lines = generate();
    const titles = lines.map((l) => (JSON.parse(l).prompt as string).split('\n\n')[1]);
    expect(new Set(titles).size).toBeGreaterThanOrEqual(6);
    const lengths = lines.map((l) => l.length);
    expect(Math.max(...lengths) / Math.min(...lengths)).toBeGreaterThan(1.8);
    expect(generate()).toEqual(lines);
    expect(generate(1)).not.toEqual(lines);
  });
});
