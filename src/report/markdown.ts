import { uniqueSlugs } from '../core/slug.ts';
import { renderBaselineDiff } from './baseline-diff.ts';
import {
  answerLine,
  capacityChart,
  capacityThroughputChart,
  isCapacityPoint,
  renderCapacitySection,
} from './capacity-report.ts';
import {
  concurrencySweepChart,
  isConcurrencySweepPoint,
  renderConcurrencySection,
  sweepAnswerLine,
} from './concurrency-report.ts';
import { renderDiagnosisTable } from './diagnosis-table.ts';
import { code, escapeMarkdown } from './escape.ts';
import { experimentCharts } from './experiment-charts.ts';
import { formatDuration } from './format.ts';
import { phaseBreakdowns, phaseChart, renderPhaseBreakdown } from './phase-breakdown.ts';
import { renderPointNotes, renderPointTable } from './point-table.ts';
import type { PointResult, ResultsFile } from './schema.ts';
import { serverSweepBaselineLines } from './server-sweep-outcome.ts';
import {
  isServerSweepPoint,
  renderServerSweepSection,
  serverSweepAnswerLine,
  serverSweepChart,
} from './server-sweep-report.ts';
import { stackedBarChart } from './svg-bar-chart.ts';
import { type LineChartOptions, lineChart } from './svg-chart.ts';
import { renderHostCpuTable, renderServerMetricsTable, renderTelemetryTable } from './telemetry-table.ts';

export interface MarkdownOptions {
  /**
   * The image link for a chart file (given relative to the results directory, e.g. `charts/x.svg`).
   * Default: the file itself, for a summary.md beside the charts. `null` leaves images out, e.g. for a
   * GitHub job summary, which cannot show files from the runner.
   */
  chartHref?: ((file: string) => string) | null;
  /** The top heading. */
  title?: string;
}

export interface ChartFile {
  /** Relative to the results directory: `charts/<experiment>-<kind>.svg`. */
  file: string;
  svg: string;
}

export interface RenderedReport {
  markdown: string;
  charts: ChartFile[];
}

export const SIMULATED_BANNER = "Simulated results: produced by servebench's embedded simulator, not a GPU";

/**
 * results.json as GitHub-flavoured Markdown (summary.md, the job summary) plus the SVG charts it links:
 * a header with the target (and a banner for simulated results), then per experiment a table of its
 * points, the problems spelled out, charts when something was swept, and the baseline comparison.
 */
export function renderMarkdown(results: ResultsFile, options: MarkdownOptions = {}): RenderedReport {
  const href = options.chartHref === undefined ? (file: string) => file : options.chartHref;
  const out = [`# ${escapeMarkdown(options.title ?? 'servebench results')}`, '', ...header(results)];
  const charts: ChartFile[] = [];
  const slug = uniqueSlugs();
  const experiments = groupByExperiment(results.points);
  if (experiments.size === 0) out.push('No load points were recorded.', '');

  for (const [experiment, all] of experiments) {
    out.push(`## ${escapeMarkdown(experiment)}`, '', context(all), '');
    const base = slug(experiment);
    const addSvg = (kind: string, alt: string, svg: string) => {
      const file = `charts/${base}-${kind}.svg`;
      charts.push({ file, svg });
      if (href) out.push(`![${escapeMarkdown(alt)}](${linkTarget(href(file))})`, '');
    };
    const addChart = (kind: string, chart: LineChartOptions | null) => {
      if (chart) addSvg(kind, chart.title, lineChart(chart));
    };
    // Capacity experiments answer first: the answer, its probes and charts, then any plain points.
    for (const point of all.filter(isCapacityPoint)) {
      const only = all.filter(isCapacityPoint).length === 1;
      if (!only) out.push(`### ${escapeMarkdown(point.test)}`, '');
      out.push(...renderCapacitySection(point));
      const kind = only ? 'capacity' : `capacity-${slug(point.test)}`;
      addChart(kind, capacityChart(point));
      addChart(`${kind}-throughput`, capacityThroughputChart(point));
    }
    // Concurrency sweeps answer first too: the saturation, the table of levels, the chart.
    const sweeps = all.filter(isConcurrencySweepPoint);
    for (const point of sweeps) {
      if (sweeps.length > 1) out.push(`### ${escapeMarkdown(point.test)}`, '');
      out.push(...renderConcurrencySection(point));
      addChart(
        sweeps.length > 1 ? `concurrency-${slug(point.test)}` : 'concurrency',
        concurrencySweepChart(point),
      );
    }
    // Server sweeps (one server per point: MPS, scaling, arguments) answer first as well.
    const serverSweeps = all.filter(isServerSweepPoint);
    for (const point of serverSweeps) {
      if (serverSweeps.length > 1) out.push(`### ${escapeMarkdown(point.test)}`, '');
      out.push(...renderServerSweepSection(point), ...serverSweepBaselineLines(point));
      addChart(
        serverSweeps.length > 1 ? `${point.serverSweep.kind}-${slug(point.test)}` : point.serverSweep.kind,
        serverSweepChart(point),
      );
    }
    const points = all.filter(
      (p) => !isCapacityPoint(p) && !isConcurrencySweepPoint(p) && !isServerSweepPoint(p),
    );
    if (points.length === 0) {
      const diff = renderBaselineDiff(all);
      if (diff) out.push(diff);
      continue;
    }
    out.push(renderPointTable(points), '');
    const notes = renderPointNotes(points);
    if (notes) out.push(notes, '');
    // The bottleneck first, then the evidence it was judged from.
    out.push(renderDiagnosisTable(points), '');
    const telemetry = renderTelemetryTable(points);
    if (telemetry) out.push(telemetry, '');
    const hostCpu = renderHostCpuTable(points);
    if (hostCpu) out.push(hostCpu, '');
    const serverMetrics = renderServerMetricsTable(points);
    if (serverMetrics) out.push(serverMetrics, '');
    const phases = phaseBreakdowns(points);
    const phaseTable = renderPhaseBreakdown(phases);
    if (phaseTable) out.push(phaseTable, '');
    const phaseBars = phaseChart(
      experiment,
      phases,
      points.every((p) => p.simulated),
    );
    if (phaseBars) addSvg('phases', phaseBars.title, stackedBarChart(phaseBars));
    for (const chart of experimentCharts(experiment, points)) {
      const file = `charts/${base}-${chart.kind}.svg`;
      charts.push({ file, svg: lineChart(chart.options) });
      if (href) out.push(`![${escapeMarkdown(chart.alt)}](${linkTarget(href(file))})`, '');
    }
    const diff = renderBaselineDiff(points);
    if (diff) out.push(diff);
  }
  return { markdown: `${out.join('\n').trimEnd()}\n`, charts };
}

function header(results: ResultsFile): string[] {
  const lines: string[] = [];
  const simulatedPoints = results.points.filter((p) => p.simulated).length;
  if (results.simulated || simulatedPoints > 0) {
    const some =
      !results.simulated && simulatedPoints < results.points.length
        ? ` (${simulatedPoints} of ${results.points.length} points)`
        : '';
    lines.push(
      '> [!WARNING]',
      `> **⚠️ ${SIMULATED_BANNER}${some}.**`,
      `> ${escapeMarkdown(results.targetReason)}. These numbers show how servebench behaves, not how a model serves; they are never compared with GPU baselines.`,
      '',
    );
  }
  const took = formatDuration(results.startedAt, results.finishedAt);
  const gpus = results.gpus.length > 0 ? results.gpus.map(escapeMarkdown).join('; ') : 'none';
  lines.push(
    `- **Target:** ${code(results.target)}: ${escapeMarkdown(results.targetReason)}`,
    `- **GPUs:** ${gpus}`,
    `- **Run:** ${escapeMarkdown(results.startedAt)}${took ? ` (${took})` : ''}${results.runId ? `, id ${code(results.runId)}` : ''}`,
    `- **Outcome:** ${outcome(results.points)}`,
    ...results.points
      .filter(isCapacityPoint)
      .map((p) => `- **${escapeMarkdown(p.experiment)}:** ${answerLine(p)}`),
    ...results.points
      .filter(isConcurrencySweepPoint)
      .map((p) => `- **${escapeMarkdown(p.experiment)}:** ${sweepAnswerLine(p)}`),
    ...results.points
      .filter(isServerSweepPoint)
      .map((p) => `- **${escapeMarkdown(p.experiment)}:** ${serverSweepAnswerLine(p)}`),
    '',
  );
  return lines;
}

/** `12 points in 3 experiments: ✅ 10 passed, ❌ 2 failed, ⚠️ 1 invalid; baseline: ❌ 1 regressed, 🆕 3 new`. */
function outcome(points: readonly PointResult[]): string {
  const experiments = new Set(points.map((p) => p.experiment)).size;
  const count = (pred: (p: PointResult) => boolean) => points.filter(pred).length;
  const states = [
    [count((p) => p.state === 'passed'), '✅', 'passed'],
    [count((p) => p.state === 'failed'), '❌', 'failed'],
    [count((p) => p.state === 'skipped'), '⏭️', 'skipped'],
    [count((p) => !p.valid), '⚠️', 'invalid'],
  ] as const;
  const baseline = [
    [count((p) => p.baseline?.status === 'regressed'), '❌', 'regressed'],
    [count((p) => p.baseline?.status === 'unusable'), '❌', 'with a baseline that cannot judge'],
    [count((p) => p.baseline?.verdicts.some((v) => v.verdict === 'improved') ?? false), '✅', 'improved'],
    [count((p) => p.baseline?.status === 'new' || p.baseline?.status === 'updated'), '🆕', 'new or updated'],
    [count((p) => p.baseline?.status === 'missing'), '⚠️', 'without a baseline'],
  ] as const;
  const list = (items: ReadonlyArray<readonly [number, string, string]>) =>
    items
      .filter(([n]) => n > 0)
      .map(([n, mark, what]) => `${mark} ${n} ${what}`)
      .join(', ');
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const base = list(baseline);
  return `${plural(points.length, 'point')} in ${plural(experiments, 'experiment')}: ${list(states) || 'nothing ran'}${base ? `; baseline: ${base}` : ''}`;
}

/** What the experiment held fixed, from the baseline keys: hardware, model, server. */
function context(points: readonly PointResult[]): string {
  const distinct = (values: string[]) => [...new Set(values)].map(code).join(', ');
  return [
    `**Hardware:** ${distinct(points.map((p) => p.key.hardware))}`,
    `**Model:** ${distinct(points.map((p) => p.key.model))}`,
    `**Server:** ${distinct(points.map((p) => p.underTest.server))}`,
  ].join(' · ');
}

function groupByExperiment(points: readonly PointResult[]): Map<string, PointResult[]> {
  const groups = new Map<string, PointResult[]>();
  for (const p of points) {
    const group = groups.get(p.experiment) ?? [];
    group.push(p);
    groups.set(p.experiment, group);
  }
  return groups;
}

/** A link target that survives Markdown: spaces and parentheses percent-encoded, nothing else touched. */
const linkTarget = (url: string) =>
  url.replace(/[ ()<>]/g, (c) => `%${(c.codePointAt(0) as number).toString(16).toUpperCase()}`);
