import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../../test/helpers/files/temp-dirs.ts';
import { PREVIOUS_DIR, retirePreviousReport } from './previous-report.ts';
import { sampleResults } from './sample-results.ts';
import { writeResults } from './write-results.ts';

const dir = tempDirs('report');
const jobSummary = process.env.GITHUB_STEP_SUMMARY;
afterEach(() => {
  if (jobSummary === undefined) delete process.env.GITHUB_STEP_SUMMARY;
  else process.env.GITHUB_STEP_SUMMARY = jobSummary;
});

describe('writeResults: every output on its own', () => {
  it('results.json that cannot be written loses neither summary.md, the charts nor the job summary', async () => {
    const d = await dir();
    await mkdir(join(d, 'results.json', 'in-the-way'), { recursive: true });
    process.env.GITHUB_STEP_SUMMARY = join(d, 'job-summary.md');
    const results = { ...sampleResults(), runId: '20261208T000000Z-abcdef' };
    const failures = await writeResults(results, d);
    expect(failures.map((f) => [f.what, f.path])).toEqual([['results.json', join(d, 'results.json')]]);
    expect(await readFile(join(d, 'summary.md'), 'utf8')).toContain('`20261208T000000Z-abcdef`');
    expect((await readdir(join(d, 'charts'))).length).toBeGreaterThan(0);
    expect(await readFile(join(d, 'job-summary.md'), 'utf8')).toMatch(/^# servebench results/);
  });

  it('a job summary that cannot be appended to is reported with its path, the report is written', async () => {
    const d = await dir();
    await writeFile(join(d, 'file'), '');
    process.env.GITHUB_STEP_SUMMARY = join(d, 'file', 'summary.md');
    const failures = await writeResults(sampleResults(), d);
    expect(failures.map((f) => [f.what, f.path, f.error.message])).toEqual([
      ['job summary ($GITHUB_STEP_SUMMARY)', join(d, 'file', 'summary.md'), expect.stringMatching(/ENOTDIR/)],
    ]);
    expect(JSON.parse(await readFile(join(d, 'results.json'), 'utf8')).points.length).toBeGreaterThan(0);
  });
});

describe('retirePreviousReport: a report never outlives its run looking current', () => {
  it('moves results.json, summary.md and charts/ to previous/ (one generation), keeps raw/', async () => {
    const d = await dir();
    const report = async (id: string) => {
      await mkdir(join(d, 'charts'), { recursive: true });
      await writeFile(join(d, 'results.json'), id);
      await writeFile(join(d, 'summary.md'), id);
      await writeFile(join(d, 'charts', 'a.svg'), id);
    };
    await mkdir(join(d, 'raw', 'e'), { recursive: true });
    await writeFile(join(d, 'raw', 'e', 'p.jsonl'), '{}\n');
    await report('run 1');
    expect(await retirePreviousReport(d)).toEqual(['results.json', 'summary.md', 'charts']);
    expect((await readdir(d)).sort()).toEqual([PREVIOUS_DIR, 'raw']);
    await report('run 2');
    await retirePreviousReport(d);
    expect(await readFile(join(d, PREVIOUS_DIR, 'results.json'), 'utf8')).toBe('run 2');
    expect(await readFile(join(d, PREVIOUS_DIR, 'charts', 'a.svg'), 'utf8')).toBe('run 2');
    expect(await readdir(join(d, 'raw', 'e'))).toEqual(['p.jsonl']);
    expect(await retirePreviousReport(d)).toEqual([]);
  });

  it('runs starting together in one directory take turns: one moves the report, none fails', async () => {
    const d = await dir();
    await writeFile(join(d, 'results.json'), 'old');
    const moved = await Promise.all([
      retirePreviousReport(d),
      retirePreviousReport(d),
      retirePreviousReport(d),
    ]);
    expect(moved.filter((m) => m.length > 0)).toEqual([['results.json']]);
    expect(await readFile(join(d, PREVIOUS_DIR, 'results.json'), 'utf8')).toBe('old');
  });
});
