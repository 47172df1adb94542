import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BaselineError, readBaselineFile, writeEntry } from './store.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
async function dir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'servebench-baseline-'));
  dirs.push(d);
  return d;
}

const key = { experiment: 'e', point: '10 req/s', hardware: 'simulated:H100 x1', model: 'm', profile: 'p' };
const v1Entry = {
  key,
  underTest: { target: 'sim', server: 'servebench-sim 0.1.0', serverArgs: [] },
  recordedAt: '2026-11-25T04:46:18.516Z',
  summary: { p50_ttft_ms: 50 },
  samples: { ttft: [50, 51], tpot: [8, 8.1], e2el: [1000, 1010], outputTokensPerSecond: [617, 758, 665] },
};

describe('baseline files', () => {
  it('reads version 1 (committed before block bootstrap): latencies kept, 1 s throughput bins dropped', async () => {
    const path = join(await dir(), 'old.json');
    await writeFile(path, JSON.stringify({ schemaVersion: 1, entries: [v1Entry] }));
    const file = await readBaselineFile(path);
    expect(file.schemaVersion).toBe(2);
    expect(file.entries[0]?.samples).toEqual({
      ttft: [50, 51],
      tpot: [8, 8.1],
      e2el: [1000, 1010],
      outputTokensPerSecond: [],
      outputBinMs: 1000,
    });
  });

  it('writes version 2 beside upgraded version-1 entries', async () => {
    const d = await dir();
    const entry = { ...(v1Entry as never as Parameters<typeof writeEntry>[1]) };
    entry.samples = { ...v1Entry.samples, outputTokensPerSecond: [100, 101], outputBinMs: 62.5 };
    const path = await writeEntry(d, entry);
    const json = JSON.parse(await readFile(path, 'utf8'));
    expect(json.schemaVersion).toBe(2);
    expect(json.entries[0].samples.outputBinMs).toBe(62.5);
    expect((await readBaselineFile(path)).entries).toHaveLength(1);
  });

  it('names an unknown version and how to get past it', async () => {
    const path = join(await dir(), 'future.json');
    await writeFile(path, JSON.stringify({ schemaVersion: 3, entries: [] }));
    const error = await readBaselineFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BaselineError);
    expect((error as BaselineError).message).toMatch(
      /schemaVersion 3 is not one this servebench reads \(1 or 2\)/,
    );
    expect((error as BaselineError).hint).toMatch(/npx vitest run -u/);
  });
});
