import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Reporter, TestCase } from 'vitest/node';
import type { BaselineEntry } from '../baseline/entry.ts';
import { writeEntry } from '../baseline/store.ts';
import type { RunContext } from '../vitest/run-context.ts';
import { renderMarkdown } from './markdown.ts';
import { type PointResult, RESULTS_SCHEMA_VERSION, type ResultsFile } from './schema.ts';
import { writeFileAtomic } from './write-atomic.ts';

/**
 * Persists what the experiments measured: results.json, raw JSONL (written by the tests),
 * summary.md with SVG charts, the GitHub job summary, and baselines of passing, valid points.
 * Verdicts are decided in the tests; this only records them.
 */
export class ServebenchReporter implements Reporter {
  private readonly context: RunContext;
  private points: PointResult[] = [];
  private pending: BaselineEntry[] = [];

  constructor(context: RunContext) {
    this.context = context;
  }

  onInit(): void {
    const c = this.context;
    const banner = c.simulated
      ? `servebench: SIMULATED results — ${c.targetReason}. Numbers come from servebench's simulator, not a GPU.`
      : `servebench: target '${c.target.kind}' (${c.targetReason}); ${c.leases.slots.length} GPU slot(s): ${c.leases.slots.map((s) => s.join('+')).join(', ')}`;
    process.stdout.write(`\n${banner}\n\n`);
  }

  onTestRunStart(): void {
    this.points = [];
    this.pending = [];
  }

  onTestCaseResult(testCase: TestCase): void {
    const meta = testCase.meta().servebench;
    if (!meta) return;
    const result = testCase.result();
    const { pendingBaseline, ...point } = meta;
    const state = result.state === 'passed' ? 'passed' : result.state === 'failed' ? 'failed' : 'skipped';
    this.points.push({ ...point, state, errors: (result.errors ?? []).map((e) => e.message) });
    // Invalid or failed runs never write a baseline.
    if (pendingBaseline && state === 'passed' && meta.valid) this.pending.push(pendingBaseline);
  }

  async onTestRunEnd(): Promise<void> {
    if (this.points.length === 0) return;
    const c = this.context;
    const written = await Promise.all(this.pending.map((entry) => writeEntry(c.baselinesDir, entry)));
    const results: ResultsFile = {
      schemaVersion: RESULTS_SCHEMA_VERSION,
      startedAt: c.startedAt,
      finishedAt: new Date().toISOString(),
      target: c.target.kind,
      // A container of the simulator image is simulated too: the points know.
      simulated: this.points.every((p) => p.simulated),
      targetReason: c.targetReason,
      gpus: c.gpus.map((g) => `${g.index}: ${g.name} (${g.uuid})`),
      points: this.points,
    };
    await mkdir(join(c.resultsDir, 'charts'), { recursive: true });
    await writeFileAtomic(join(c.resultsDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    const { markdown, charts } = renderMarkdown(results);
    await Promise.all(charts.map((chart) => writeFile(join(c.resultsDir, chart.file), chart.svg)));
    await writeFileAtomic(join(c.resultsDir, 'summary.md'), markdown);
    if (process.env.GITHUB_STEP_SUMMARY) {
      // Relative chart links don't resolve in a job summary: leave the images out there.
      const { markdown: jobSummary } = renderMarkdown(results, { chartHref: null });
      await appendFile(process.env.GITHUB_STEP_SUMMARY, `${jobSummary}\n`);
    }
    const where = relative(process.cwd(), c.resultsDir) || '.';
    const lines = [`servebench: results in ${where}/summary.md and ${where}/results.json`];
    if (written.length > 0)
      lines.push(
        `servebench: wrote ${written.length} baseline(s) under ${relative(process.cwd(), c.baselinesDir)}`,
      );
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
