import { describe, expect, it } from 'vitest';
import type { RunStamp } from './meta.ts';
import { runFields } from './run-fields.ts';

const stamp = (over: Partial<RunStamp>): RunStamp => ({
  target: 'process',
  targetReason: 'auto: 2 GPU(s) found by nvidia-smi',
  gpus: [],
  startedAt: '2026-01-01T10:00:00.000Z',
  finishedAt: '2026-01-01T10:05:00.000Z',
  shard: null,
  ...over,
});

describe('runFields', () => {
  it('one process: its own target, reason, GPUs and times', () => {
    const a = stamp({ gpus: ['0: H100 (GPU-a)'] });
    const b = stamp({ gpus: ['0: H100 (GPU-a)'], finishedAt: '2026-01-01T10:09:00.000Z' });
    expect(runFields([a, b])).toEqual({
      startedAt: '2026-01-01T10:00:00.000Z',
      finishedAt: '2026-01-01T10:09:00.000Z',
      target: 'process',
      targetReason: 'auto: 2 GPU(s) found by nvidia-smi',
      gpus: ['0: H100 (GPU-a)'],
    });
  });

  it('shards on two machines: earliest start, latest finish, every GPU, shards in numeric order', () => {
    const shards = [
      stamp({ shard: '10/10', gpus: ['0: H100 (GPU-c)'], startedAt: '2026-01-01T10:01:00.000Z' }),
      stamp({ shard: '2/10', gpus: ['0: H100 (GPU-b)'], finishedAt: '2026-01-01T10:30:00.000Z' }),
      stamp({ shard: '2/10', gpus: ['0: H100 (GPU-b)'], target: 'sim', targetReason: 'no GPU' }),
    ];
    const fields = runFields(shards);
    expect(fields.startedAt).toBe('2026-01-01T10:00:00.000Z');
    expect(fields.finishedAt).toBe('2026-01-01T10:30:00.000Z');
    expect(fields.target).toBe('process, sim');
    expect(fields.targetReason).toBe('auto: 2 GPU(s) found by nvidia-smi; no GPU (shards 2/10, 10/10)');
    expect(fields.gpus).toEqual(['0: H100 (GPU-c)', '0: H100 (GPU-b)']);
  });

  it('says so when no stamp came with the reports', () => {
    expect(runFields([]).targetReason).toMatch(/not recorded/);
  });
});
