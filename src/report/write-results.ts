import { appendFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { knownSecrets } from '../core/secrets.ts';
import { writeFileAtomic } from '../core/write-atomic.ts';
import type { WriteFailure } from './errors.ts';
import { renderMarkdown } from './markdown.ts';
import type { ResultsFile } from './schema.ts';

/**
 * Writes results.json, summary.md with its SVG charts, and appends to the GitHub job summary. Each
 * is written on its own: one that fails (a read-only file, a full disk, a path in the way) loses
 * none of the others. Returns the failures, each with its path, for the caller to report. A
 * report file that could not be written is removed, so that an older one never passes for this run's.
 */
export async function writeResults(recorded: ResultsFile, resultsDir: string): Promise<WriteFailure[]> {
  // The last line of defence: no secret this process knows reaches results, summary or job summary.
  const results = knownSecrets().maskDeep(recorded);
  const failures: WriteFailure[] = [];
  const sink = async (what: string, path: string, write: () => Promise<void>, stale = true) => {
    try {
      await write();
    } catch (error) {
      failures.push({ what, path, error: error as Error });
      if (stale) await rm(path, { force: true }).catch(() => {});
    }
  };
  const resultsPath = join(resultsDir, 'results.json');
  await sink('results.json', resultsPath, () =>
    writeFileAtomic(resultsPath, `${JSON.stringify(results, null, 2)}\n`),
  );
  const summaryPath = join(resultsDir, 'summary.md');
  let rendered: ReturnType<typeof renderMarkdown> | null = null;
  await sink('summary.md', summaryPath, async () => {
    rendered = renderMarkdown(results);
  });
  if (rendered) {
    const { markdown, charts } = rendered as ReturnType<typeof renderMarkdown>;
    for (const chart of charts) {
      const path = join(resultsDir, chart.file);
      await sink('chart', path, () => writeFileAtomic(path, chart.svg));
    }
    await sink('summary.md', summaryPath, () => writeFileAtomic(summaryPath, markdown));
  }
  const jobSummary = process.env.GITHUB_STEP_SUMMARY;
  if (jobSummary) {
    // Relative chart links don't resolve in a job summary: leave the images out there. The job
    // summary is GitHub's file: appended to, never replaced or removed.
    await sink(
      'job summary ($GITHUB_STEP_SUMMARY)',
      jobSummary,
      async () => {
        const { markdown } = renderMarkdown(results, { chartHref: null });
        await appendFile(jobSummary, `${markdown}\n`);
      },
      false,
    );
  }
  return failures;
}
