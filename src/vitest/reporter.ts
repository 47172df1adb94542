import { relative } from 'node:path';
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import type { BaselineEntry } from '../baseline/entry.ts';
import { writeEntries } from '../baseline/store.ts';
import { newRunId } from '../core/run-id.ts';
import { describeFailures, type WriteFailure } from '../report/errors.ts';
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
  /** The run's id (a merge is a run of its own: it gets its own). */
  private readonly runId: string;

  constructor(options: ReporterOptions) {
    this.options = options;
    this.runId = options.context?.runId ?? newRunId();
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
    // Every output is written on its own: one that fails loses none of the others.
    const failures: WriteFailure[] = [];
    const baselines = await writeEntries(baselinesDir, this.pending);
    failures.push(...baselines.failed.map((f) => ({ what: 'baseline', ...f })));
    const results: ResultsFile = {
      schemaVersion: RESULTS_SCHEMA_VERSION,
      runId: this.runId,
      ...runFields(testModules.flatMap((m) => m.meta().servebenchRun ?? [])),
      // A container of the simulator image is simulated too: the points know.
      simulated: this.points.every((p) => p.simulated),
      points: this.points,
    };
    failures.push(...(await writeResults(results, resultsDir)));
    const where = relative(process.cwd(), resultsDir) || '.';
    const failed = new Set(failures.map((f) => f.what));
    const reports = ['summary.md', 'results.json'].filter((f) => !failed.has(f)).map((f) => `${where}/${f}`);
    const lines: string[] = [];
    if (reports.length > 0) lines.push(`servebench: results in ${reports.join(' and ')} (run ${this.runId})`);
    if (baselines.written.length > 0)
      lines.push(
        `servebench: wrote ${baselines.written.length} baseline(s) under ${relative(process.cwd(), baselinesDir)}`,
      );
    if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
    if (failures.length > 0) {
      // Reported at the end, with every path; the run fails (exit code 1), as it did not record what it measured.
      process.stderr.write(
        `servebench: error: ${failures.length} output(s) could not be written (code SB_RESULTS); everything else was:\n${describeFailures(failures)}\nhint: check the paths above (permissions, free space, a file or directory in the way)\n`,
      );
      process.exitCode = 1;
    }
  }
}

function banner(c: RunContext | null, vitest: Vitest): string {
  if (!c)
    return `servebench: merging the blob reports in ${vitest.config.mergeReports}: results, summary and baselines are written here, once`;
  return c.simulated
    ? `servebench: SIMULATED results — ${c.targetReason}. Numbers come from servebench's simulator, not a GPU.`
    : `servebench: target '${c.target.kind}' (${c.targetReason}); ${c.leases.slots.length} GPU slot(s): ${c.leases.slots.map((s) => s.join('+')).join(', ')}`;
}
