import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import { createDataset, DatasetError, estimateTokenCounter } from './index.ts';

const root = join(import.meta.dirname, '../..');
const fixture = join(root, 'fixtures/sharegpt-small.json');

describe('createDataset', () => {
  it('builds each dataset from its spec', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-datasets-'));
    try {
      const jsonl = join(dir, 'p.jsonl');
      await writeFile(jsonl, '{"prompt": "one two three four"}\n');
      const tokens = estimateTokenCounter();
      const specs = [
        { name: 'random', input_len: 16, output_len: 4 },
        { name: 'sharegpt', path: fixture, output_len: 32 },
        { name: 'jsonl', path: jsonl },
        { name: 'prefix-repetition', prefix_len: 8, suffix_len: 8, num_prefixes: 2 },
      ] as const;
      const results = await Promise.all(
        specs.map(async (spec) => {
          const ds = await createDataset(spec);
          return { name: ds.name, requests: await ds.sample(6, createRng(1), tokens) };
        }),
      );
      expect(results.map((r) => r.name)).toEqual(['random', 'sharegpt', 'jsonl', 'prefix-repetition']);
      expect(results.map((r) => r.requests.length)).toEqual([6, 6, 6, 6]);
      expect(results[0]?.requests.every((r) => r.promptTokens === 16 && r.maxTokens === 4)).toBe(true);
      expect(results[1]?.requests.every((r) => typeof r.prompt === 'string' && r.maxTokens === 32)).toBe(
        true,
      );
      expect(
        results[2]?.requests.every((r) => r.prompt === 'one two three four' && r.maxTokens === 256),
      ).toBe(true);
      expect(results[3]?.requests.every((r) => r.promptTokens === 16 && r.maxTokens === 128)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a bad spec or a bad file before sampling', async () => {
    await expect(createDataset({ name: 'random', input_len: -3 })).rejects.toThrow(
      'random-input-len must be a positive integer, got -3',
    );
    const error = await createDataset({ name: 'sharegpt', path: join(root, 'package.json') }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).message).toMatch(/package\.json must hold a JSON array of conversations/);
  });
});

describe('fixtures/generate-sharegpt.ts', () => {
  it('regenerates the committed fixture byte for byte', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-fixture-'));
    try {
      const out = join(dir, 'sharegpt.json');
      await promisify(execFile)(process.execPath, [join(root, 'fixtures/generate-sharegpt.ts'), out]);
      const [fresh, committed] = await Promise.all([readFile(out), readFile(fixture)]);
      expect(fresh.equals(committed)).toBe(true);
      expect(committed.length).toBeLessThan(400 * 1024);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
