import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultResultFilename, planOutputs, pyFloat, vllmDate, writeResultJson } from './result-files.ts';

describe('result files as vllm bench serve names and writes them', () => {
  it('date is local %Y%m%d-%H%M%S', () => {
    expect(vllmDate(new Date(2025, 0, 2, 3, 4, 5))).toBe('20250102-030405');
  });

  it('rates are written as Python floats', () => {
    expect([8, 0.5, 12.25, Number.POSITIVE_INFINITY, 1e-7].map(pyFloat)).toEqual([
      '8.0',
      '0.5',
      '12.25',
      'inf',
      '1e-07',
    ]);
  });

  it("default file name follows vLLM's compute_result_filename", () => {
    const base = {
      label: undefined,
      backend: 'openai',
      modelId: 'meta-llama/Llama-3.1-8B',
      date: '20250102-030405',
    };
    expect(defaultResultFilename({ ...base, requestRate: 8, ramp: null, maxConcurrency: null })).toBe(
      'openai-8.0qps-Llama-3.1-8B-20250102-030405.json',
    );
    expect(
      defaultResultFilename({
        ...base,
        label: 'exp',
        requestRate: Number.POSITIVE_INFINITY,
        ramp: null,
        maxConcurrency: 64,
      }),
    ).toBe('exp-infqps-concurrency64-Llama-3.1-8B-20250102-030405.json');
    expect(
      defaultResultFilename({
        ...base,
        requestRate: Number.POSITIVE_INFINITY,
        ramp: { strategy: 'linear', startRps: 1, endRps: 20 },
        maxConcurrency: null,
      }),
    ).toBe('openai-ramp-up-linear-1qps-20qps-Llama-3.1-8B-20250102-030405.json');
  });

  it('an absolute --result-filename wins over --result-dir; raw records sit beside the result', () => {
    const common = { append: false, defaultName: 'x.json', date: 'd' };
    expect(planOutputs({ ...common, save: true, resultDir: 'out', resultFilename: '/abs/run.json' })).toEqual(
      {
        resultPath: '/abs/run.json',
        append: false,
        rawPath: '/abs/run.jsonl',
      },
    );
    const relative = planOutputs({ ...common, save: true, resultDir: '/r', resultFilename: undefined });
    expect(relative.resultPath).toBe('/r/x.json');
    const unsaved = planOutputs({ ...common, save: false, resultDir: undefined, resultFilename: undefined });
    expect(unsaved).toEqual({
      resultPath: null,
      append: false,
      rawPath: join(tmpdir(), 'servebench', 'x.jsonl'),
    });
  });

  it('raw records of an unsaved run never overwrite an earlier run of the same second', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'servebench-raw-'));
    const common = { save: false, append: false, resultDir: dir, resultFilename: undefined, date: 'd' };
    const first = planOutputs({ ...common, defaultName: 'run-20250102-030405.json' });
    expect(first.rawPath).toBe(join(dir, 'run-20250102-030405.jsonl'));
    await writeFile(first.rawPath, '{}\n');
    const second = planOutputs({ ...common, defaultName: 'run-20250102-030405.json' });
    expect(second.rawPath).toBe(join(dir, 'run-20250102-030405-2.jsonl'));
  });

  it('appending starts a new line, also after a file written without a final newline (as vLLM leaves it)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'servebench-append-'));
    const path = join(dir, 'runs.json');
    await writeFile(path, '{"run":0}');
    await writeResultJson(path, { run: 1 }, true);
    await writeResultJson(path, { run: 2 }, true);
    expect(await readFile(path, 'utf8')).toBe('{"run":0}\n{"run":1}\n{"run":2}\n');
    await writeResultJson(path, { run: 3 }, false);
    expect(await readFile(path, 'utf8')).toBe('{"run":3}\n');
  });
});
