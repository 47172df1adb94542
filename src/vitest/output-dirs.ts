import { stat } from 'node:fs/promises';
import { BaselineError } from '../baseline/store.ts';
import { unwritableReason } from '../core/write-atomic.ts';
import { ResultsError } from '../report/errors.ts';
import type { ReportMode } from './report-mode.ts';
import type { UpdateMode } from './update-mode.ts';

const HINT = (option: string) =>
  `point the servebench() option ${option} at a directory this process can write to (checked before any load runs)`;

/**
 * Checks, before any test runs, that the results directory (and the baselines directory when this
 * run may record baselines) can be written: each is created, and a probe file written and removed.
 * Finding out after an hour of measuring, when the reporter writes, would lose the report. In CI
 * mode (`CI=true`, baselines only read) the baselines directory need only not be in the way.
 */
export async function checkOutputDirs(
  dirs: { resultsDir: string; baselinesDir: string },
  mode: ReportMode,
  update: UpdateMode,
): Promise<void> {
  const results = await unwritableReason(dirs.resultsDir);
  if (results !== null) {
    throw new ResultsError(
      `servebench() option resultsDir: cannot write to ${dirs.resultsDir} (${results})`,
      HINT('resultsDir'),
    );
  }
  if (mode === 'blob') return; // a shard records no baselines: the merge does
  if (mode === 'run' && update === 'none') {
    const info = await stat(dirs.baselinesDir).catch((error: NodeJS.ErrnoException) =>
      error.code === 'ENOENT' ? null : error,
    );
    if (info instanceof Error || (info !== null && !info.isDirectory())) {
      const why = info instanceof Error ? `${info.code}: ${info.message}` : 'it is a file, not a directory';
      throw new BaselineError(
        `servebench() option baselinesDir: cannot read baselines from ${dirs.baselinesDir} (${why})`,
        HINT('baselinesDir'),
      );
    }
    return;
  }
  // Baselines may never be written (nothing new, or a failing run): leave no empty directory behind.
  const baselines = await unwritableReason(dirs.baselinesDir, { leaveNoTrace: true });
  if (baselines !== null) {
    throw new BaselineError(
      `servebench() option baselinesDir: cannot write to ${dirs.baselinesDir} (${baselines})`,
      HINT('baselinesDir'),
    );
  }
}
