import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/write-atomic.ts';
import { renderMarkdown } from './markdown.ts';
import type { ResultsFile } from './schema.ts';

/** Writes results.json, summary.md with its SVG charts, and appends to the GitHub job summary. */
export async function writeResults(results: ResultsFile, resultsDir: string): Promise<void> {
  await mkdir(join(resultsDir, 'charts'), { recursive: true });
  await writeFileAtomic(join(resultsDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const { markdown, charts } = renderMarkdown(results);
  await Promise.all(charts.map((chart) => writeFile(join(resultsDir, chart.file), chart.svg)));
  await writeFileAtomic(join(resultsDir, 'summary.md'), markdown);
  if (process.env.GITHUB_STEP_SUMMARY) {
    // Relative chart links don't resolve in a job summary: leave the images out there.
    const { markdown: jobSummary } = renderMarkdown(results, { chartHref: null });
    await appendFile(process.env.GITHUB_STEP_SUMMARY, `${jobSummary}\n`);
  }
}
