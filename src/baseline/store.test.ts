import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../test/helpers/files/temp-dirs.ts';
import type { BaselineEntry } from './entry.ts';
import { BaselineError, baselinePath, readBaselineFile, writeEntries, writeEntry } from './store.ts';

const dir = tempDirs('baseline');

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

const v2Entry = (hardware: string, n = 40): BaselineEntry => ({
  key: { ...key, hardware },
  underTest: { target: 'sim', server: 'servebench-sim 0.1.0', serverArgs: [] },
  recordedAt: '2026-12-08T00:00:00.000Z',
  summary: { completed: n, p50_ttft_ms: 50 },
  samples: {
    ttft: Array.from({ length: n }, (_, i) => 50 + (i % 7)),
    tpot: Array.from({ length: n }, (_, i) => 8 + (i % 3) / 10),
    e2el: Array.from({ length: n }, (_, i) => 1000 + i),
    outputTokensPerSecond: Array.from({ length: 30 }, (_, i) => 600 + i),
    outputBinMs: 62.5,
  },
});

async function baselineError(file: object): Promise<BaselineError> {
  const path = join(await dir(), '10-req-s.json');
  await writeFile(path, JSON.stringify(file));
  const error = await readBaselineFile(path).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(BaselineError);
  expect((error as BaselineError).message).toContain(path);
  return error as BaselineError;
}

describe('a baseline that cannot judge is an error naming the file, entry and field', () => {
  const entry = v2Entry('simulated:H100 x1');
  const broken = (samples: Partial<NonNullable<BaselineEntry['samples']>>, summary = entry.summary) => ({
    schemaVersion: 2,
    entries: [{ ...entry, summary, samples: { ...entry.samples, ...samples } }],
  });

  it('emptied samples', async () => {
    const error = await baselineError(broken({ ttft: [], tpot: [], e2el: [], outputTokensPerSecond: [] }));
    expect(error.message).toMatch(
      /entry 0 \(e › 10 req\/s on simulated:H100 x1\), field 'samples\.ttft': no samples/,
    );
    expect(error.hint).toMatch(/npx vitest run -u/);
  });

  it('samples set to 0', async () => {
    const zeros = (n: number) => Array.from({ length: n }, () => 0);
    const error = await baselineError(
      broken({ ttft: zeros(40), e2el: zeros(40), outputTokensPerSecond: zeros(30) }),
    );
    expect(error.message).toMatch(/field 'samples\.ttft': every sample is 0/);
    expect(error.message).toMatch(/field 'samples\.e2el': every sample is 0/);
  });

  it('samples cut short of the run they were recorded from', async () => {
    const error = await baselineError(broken({ ttft: [50, 51], e2el: [1000, 1001], tpot: [8] }));
    expect(error.message).toMatch(
      /field 'samples\.ttft': 2 samples, but summary\.completed says the recorded run had 40 successful requests/,
    );
  });

  it('negative, non-numeric or mismatched samples', async () => {
    const error = await baselineError(
      broken({ tpot: [-1, ...(entry.samples?.tpot.slice(1) ?? [])], e2el: [1] }),
    );
    expect(error.message).toMatch(/field 'samples\.tpot\.0': Too small: expected number to be >=0/);
    expect(error.message).toMatch(/field 'samples\.e2el': 1 samples, expected one per TTFT sample \(40\)/);
  });

  it('a capacity answer with no passing load', async () => {
    const capacity = {
      variable: 'request-rate',
      slo: 's',
      max_passing: null,
      min_failing: 14,
      knee: null,
      stop_reason: 'precision',
    };
    const { samples: _s, ...rest } = entry;
    const error = await baselineError({ schemaVersion: 2, entries: [{ ...rest, summary: {}, capacity }] });
    expect(error.message).toMatch(/field 'capacity\.max_passing': null: a capacity baseline needs/);
  });

  it('a directory where the file should be (EISDIR), or a file where a directory should be', async () => {
    const d = await dir();
    const path = baselinePath(d, key);
    await mkdir(path, { recursive: true });
    const error = await readBaselineFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BaselineError);
    expect((error as Error).message).toBe(
      `baseline file ${path}: cannot read it (EISDIR: it is a directory; expected the JSON file of one experiment point)`,
    );
    await writeFile(join(d, 'file'), '');
    const under = await readBaselineFile(join(d, 'file', 'x.json')).catch((e: unknown) => e);
    expect((under as Error).message).toMatch(/ENOTDIR: a part of its path is a file/);
  });

  it('every committed baseline reads and can judge', async () => {
    const root = join(import.meta.dirname, '../../baselines');
    for (const experiment of await readdir(root)) {
      for (const file of await readdir(join(root, experiment))) {
        const baseline = await readBaselineFile(join(root, experiment, file));
        expect(baseline.entries.length).toBeGreaterThan(0);
      }
    }
  });
});

describe('writing baselines: read-merge-write under a lock', () => {
  it('two processes recording entries of one point at once keep both (and all of their siblings)', async () => {
    const d = await dir();
    const store = join(import.meta.dirname, 'store.ts');
    const script = `
      import { writeEntry } from ${JSON.stringify(store)};
      const entry = JSON.parse(process.env.ENTRY);
      for (let i = 0; i < 10; i++) {
        await writeEntry(process.env.DIR, { ...entry, key: { ...entry.key, model: 'm' + i } });
      }`;
    const writers = ['simulated:H100 x1', 'simulated:A100 x1', 'simulated:L4 x1', 'simulated:H200 x1'].map(
      (hardware) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
            env: { ...process.env, DIR: d, ENTRY: JSON.stringify(v2Entry(hardware)) },
            stdio: 'inherit',
          });
          child.on('exit', resolve);
        }),
    );
    expect(await Promise.all(writers)).toEqual([0, 0, 0, 0]);
    const file = await readBaselineFile(baselinePath(d, key));
    expect(file.entries).toHaveLength(40);
    expect(await readdir(join(d, 'e'))).toEqual(['10-req-s.json']);
  });

  it('-u replaces a broken entry of its key and keeps the other entries as they are', async () => {
    const d = await dir();
    const path = baselinePath(d, key);
    const good = v2Entry('simulated:A100 x1');
    const brokenOther = { ...v2Entry('simulated:L4 x1'), samples: { ...good.samples, ttft: [] } };
    const brokenMine = { ...v2Entry('simulated:H100 x1'), samples: { ...good.samples, e2el: [] } };
    await mkdir(join(d, 'e'), { recursive: true });
    await writeFile(path, JSON.stringify({ schemaVersion: 2, entries: [good, brokenOther, brokenMine] }));
    await writeEntry(d, v2Entry('simulated:H100 x1'));
    const json = JSON.parse(await readFile(path, 'utf8'));
    const byHardware = Object.fromEntries(
      json.entries.map((e: BaselineEntry) => [e.key.hardware, e.samples?.ttft.length]),
    );
    expect(byHardware).toEqual({ 'simulated:A100 x1': 40, 'simulated:L4 x1': 0, 'simulated:H100 x1': 40 });
    // The other entry is still reported, by its own name.
    await expect(readBaselineFile(path)).rejects.toThrow(
      /on simulated:L4 x1\), field 'samples\.ttft': no samples/,
    );
  });

  it('a file that is not JSON stops the merge rather than losing its entries', async () => {
    const d = await dir();
    const path = baselinePath(d, key);
    await mkdir(join(d, 'e'), { recursive: true });
    await writeFile(path, '{"schemaVersion": 2, "entries": [');
    await expect(writeEntry(d, v2Entry('simulated:H100 x1'))).rejects.toThrow(/is not valid JSON/);
    expect(await readFile(path, 'utf8')).toBe('{"schemaVersion": 2, "entries": [');
  });

  it('one entry that cannot be written stops none of the others', async () => {
    const d = await dir();
    await writeFile(join(d, 'blocked'), '');
    const other = { ...v2Entry('simulated:H100 x1'), key: { ...key, experiment: 'blocked', point: 'p' } };
    // `blocked` is a file, so blocked/p.json cannot be written; e/10-req-s.json can.
    const { written, failed } = await writeEntries(d, [other, v2Entry('simulated:H100 x1')]);
    expect(written).toEqual([baselinePath(d, key)]);
    expect(failed.map((f) => [f.path, f.error.message])).toEqual([
      [
        join(d, 'blocked', 'p.json'),
        expect.stringMatching(/cannot write the entry for blocked › p on simulated:H100 x1/),
      ],
    ]);
  });
});
