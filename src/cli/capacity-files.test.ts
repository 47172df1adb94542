import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capacityResultFilename, planCapacityOutputs } from './capacity-files.ts';

describe('capacity result files', () => {
  it('default name: {label}-capacity-{variable}-{model}-{date}.json', () => {
    const parts = {
      backend: 'openai',
      variable: 'request-rate',
      modelId: 'org/M-7B',
      date: '20250102-030405',
    } as const;
    expect(capacityResultFilename({ ...parts, label: undefined })).toBe(
      'openai-capacity-request-rate-M-7B-20250102-030405.json',
    );
    expect(capacityResultFilename({ ...parts, label: 'nightly', variable: 'concurrency' })).toBe(
      'nightly-capacity-concurrency-M-7B-20250102-030405.json',
    );
  });

  it('saved: the result in --result-dir, probe records beside it, referred to relatively, never overwritten', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'servebench-capfiles-'));
    const plan = planCapacityOutputs({
      save: true,
      resultDir: dir,
      resultFilename: 'cap.json',
      defaultName: 'x.json',
    });
    expect(plan.resultPath).toBe(join(dir, 'cap.json'));
    expect(plan.probePath(1)).toBe(join(dir, 'cap-probe-1.jsonl'));
    await writeFile(join(dir, 'cap-probe-1.jsonl'), '');
    expect(plan.probePath(1)).toBe(join(dir, 'cap-probe-1-2.jsonl'));
    expect(plan.reference(join(dir, 'cap-probe-1-2.jsonl'))).toBe('cap-probe-1-2.jsonl');
  });

  it('not saved: probe records in --result-dir or $TMPDIR/servebench, as absolute paths', () => {
    const plan = planCapacityOutputs({
      save: false,
      resultDir: undefined,
      resultFilename: undefined,
      defaultName: 'd.json',
    });
    expect(plan.resultPath).toBeNull();
    expect(plan.probePath(3)).toMatch(/servebench[/\\]d-probe-3(-\d+)?\.jsonl$/);
    expect(plan.reference('/abs/p.jsonl')).toBe('/abs/p.jsonl');
  });
});
