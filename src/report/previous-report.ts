import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { withFileLock } from '../core/file-lock.ts';

/** Where the last run's report goes when a new run starts: one generation is kept. */
export const PREVIOUS_DIR = 'previous';

/** A run's report, relative to the results directory (raw records stay: they are per point). */
const REPORT_FILES = ['results.json', 'summary.md', 'charts'] as const;

/**
 * Moves the previous run's report (results.json, summary.md, charts/) into
 * `<resultsDir>/previous/`, replacing what was there, before a run measures anything. A run that
 * then dies leaves no report rather than an older one that looks current, and the older one is
 * still at hand. Raw records stay where they are: each point's file is replaced by the run that
 * measures it again, and the report names the files of its own run. Runs sharing the directory
 * (shards side by side) take turns under a lock. Returns the names moved.
 */
export async function retirePreviousReport(resultsDir: string): Promise<string[]> {
  const previous = join(resultsDir, PREVIOUS_DIR);
  await mkdir(resultsDir, { recursive: true });
  return withFileLock(previous, async () => {
    const present: string[] = [];
    for (const name of REPORT_FILES)
      if (await stat(join(resultsDir, name)).catch(() => null)) present.push(name);
    if (present.length === 0) return [];
    await rm(previous, { recursive: true, force: true });
    await mkdir(previous, { recursive: true });
    for (const name of present) await rename(join(resultsDir, name), join(previous, name));
    return present;
  });
}
