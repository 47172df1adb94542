import { relative } from 'node:path';
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import type { BaselineEntry } from '../baseline/entry.ts';
import { writeEntries } from '../baseline/store.ts';
import { type PointResult, RESULTS_SCHEMA_VERSION, type ResultsFile } from '../report/schema.ts';
import { writeResults } from '../report/write-results.ts';
import type { ReportMode } from './report-mode.ts';
import type { RunContext } from './run-context.ts';
import { runFields } from './run-fields.ts';

export interface ReporterOptions {
  mode: ReportMode;
  resultsDir: string;
  baselinesDir: string;
  /** The run this process does; null when it only merges blob reports (no test runs here). */
  context: RunContext | null;
}

/**
 * Persists what the experiments measured: results.json, raw JSONL (written by the tests),
 * summary.md with SVG charts, the GitHub job summary, and baselines of passing, valid points.
 * Verdicts are decided in the tests; this only records them. A shard writing a blob report
 * records nothing: `--merge-reports` replays every shard's tests and records them once.
 */
export class ServebenchReporter implements Reporter {
  private readonly options: ReporterOptions;
  private shard: string | null = null;
  private points: PointResult[] = [];
  private pending: BaselineEntry[] = [];

  constructor(options: ReporterOptions) {
    this.options = options;
  }

  onInit(vitest: Vitest): void {
    const shard = vitest.config.shard;
    this.shard = shard ? `${shard.index}/${shard.count}` : null;
    const lines = [banner(this.options.context, vitest)];
    if (this.options.mode === 'merge' && vitest.config.snapshotOptions.updateSnapshot === 'all')
      lines.push('servebench: -u does nothing here; pass it to the shards, which decide what to re-record');
    process.stdout.write(`\n${lines.join('\n')}\n\n`);
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

  /** Stamps where the module ran; the stamp travels in blob reports (merges have none to add). */
  onTestModuleEnd(testModule: TestModule): void {
    const context = this.options.context;
    if (!context) return;
    testModule.meta().servebenchRun = {
      ...context.runInfo(),
      finishedAt: new Date().toISOString(),
      shard: this.shard,
    };
  }

  async onTestRunEnd(testModules: readonly TestModule[]): Promise<void> {
    if (this.points.length === 0) return;
    const { mode, resultsDir, baselinesDir } = this.options;
    if (mode === 'blob') {
      process.stdout.write(
        `servebench: ${this.points.length} point(s) go into the blob report; \`vitest --merge-reports\` writes results, summary and baselines\n`,
      );
      return;
    }
    const written = await writeEntries(baselinesDir, this.pending);
    const results: ResultsFile = {
      schemaVersion: RESULTS_SCHEMA_VERSION,
      ...runFields(testModules.flatMap((m) => m.meta().servebenchRun ?? [])),
      // A container of the simulator image is simulated too: the points know.
      simulated: this.points.every((p) => p.simulated),
      points: this.points,
    };
    await writeResults(results, resultsDir);
    const where = relative(process.cwd(), resultsDir) || '.';
    const lines = [`servebench: results in ${where}/summary.md and ${where}/results.json`];
    if (written.length > 0)
      lines.push(
        `servebench: wrote ${written.length} baseline(s) under ${relative(process.cwd(), baselinesDir)}`,
      );
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

function banner(c: RunContext | null, vitest: Vitest): string {
  if (!c)
    return `servebench: merging the blob reports in ${vitest.config.mergeReports}: results, summary and baselines are written here, once`;
  return c.simulated
    ? `servebench: SIMULATED results — ${c.targetReason}. Numbers come from servebench's simulator, not a GPU.`
    : `servebench: target '${c.target.kind}' (${c.targetReason}); ${c.leases.slots.length} GPU slot(s): ${c.leases.slots.map((s) => s.join('+')).join(', ')}`;
}
