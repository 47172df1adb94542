import { describe, expect, it } from 'vitest';
import { updateModeOf } from './update-mode.ts';

const config = (update: unknown, updateSnapshot: string) => ({ update, snapshotOptions: { updateSnapshot } });

describe('the update mode of a run', () => {
  it('follows Vitest: -u re-records all, CI none, else only new baselines', () => {
    expect(updateModeOf(config(true, 'all'))).toBe('all');
    expect(updateModeOf(config('all', 'all'))).toBe('all');
    expect(updateModeOf(config(undefined, 'none'))).toBe('none');
    expect(updateModeOf(config(undefined, 'new'))).toBe('new');
    expect(updateModeOf(config('new', 'new'))).toBe('new');
  });

  it("refuses a path that -u took as its type: 'npx vitest run -u suites/mps' would re-record every suite", () => {
    expect(() => updateModeOf(config('suites/mps', 'all'))).toThrow(
      "-u took 'suites/mps' as its update type (Vitest's -u [type] reads the next word)",
    );
    try {
      updateModeOf(config('suites/mps', 'all'));
    } catch (error) {
      expect((error as { hint?: string }).hint).toBe(
        'put the paths before -u: npx vitest run suites/mps -u (or write -u=all)',
      );
    }
  });
});
