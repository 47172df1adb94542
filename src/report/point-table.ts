import { baselineCell } from './baseline-diff.ts';
import { cell, code, escapeMarkdown } from './escape.ts';
import {
  formatCount,
  formatMetric,
  formatMs,
  formatPercent,
  formatReqPerS,
  metricLabel,
  metricUnit,
} from './format.ts';
import type { PointResult, SloCheck } from './schema.ts';
import { metric, metricCi, otherLatencyVariant } from './summary-values.ts';

interface Column {
  header: string;
  align: 'left' | 'right';
  value: (p: PointResult) => string;
}

const NONE = '—';

/** A latency cell, with its 95% CI when the summary has one: `87.3 [80.1, 95.2]`. */
function latency(key: string, fallback?: string): (p: PointResult) => string {
  return (p) => {
    const k = metric(p, key) === null && fallback ? fallback : key;
    const v = metric(p, k);
    if (v === null) return NONE;
    const ci = metricCi(p, k);
    return ci ? `${formatMs(v)} [${formatMs(ci[0])}, ${formatMs(ci[1])}]` : formatMs(v);
  };
}

function value(key: string): (p: PointResult) => string {
  return (p) => {
    const v = metric(p, key);
    return v === null ? NONE : formatMetric(key, v);
  };
}

function failures(p: PointResult): string {
  const failed = metric(p, 'failed');
  if (failed === null) return NONE;
  const total = failed + (metric(p, 'completed') ?? 0);
  return failed > 0 && total > 0
    ? `${formatCount(failed)} (${formatPercent(failed / total)})`
    : formatCount(failed);
}

function sloCell(p: PointResult): string {
  if (p.slo.length === 0) return NONE;
  const failing = p.slo.filter((s) => !s.pass);
  return failing.length === 0 ? '✅ pass' : `❌ ${failing.map((s) => metricLabel(s.metric)).join(', ')}`;
}

/** A problem mark before the test name; a passing, valid point gets none, so problems stand out. */
function testCell(p: PointResult): string {
  const mark = p.state === 'failed' ? '❌ ' : !p.valid ? '⚠️ ' : p.state === 'skipped' ? '⏭️ ' : '';
  return `${mark}${escapeMarkdown(p.test)}${p.valid ? '' : ' (invalid)'}`;
}

/** The columns worth showing for these points: empty or redundant ones (offered rate = x) are left out. */
function columnsFor(points: readonly PointResult[]): Column[] {
  const hasX = points.some((p) => p.x !== null);
  const xLabel = points.find((p) => p.xLabel)?.xLabel ?? 'x';
  const offeredIsX = hasX && points.every((p) => p.offeredRate === p.x);
  const columns: Column[] = [{ header: 'test', align: 'left', value: testCell }];
  if (hasX) {
    columns.push({
      header: escapeMarkdown(xLabel),
      align: 'right',
      value: (p) => (p.x === null ? NONE : String(Number.parseFloat(p.x.toPrecision(6)))),
    });
  }
  if (!offeredIsX && points.some((p) => p.offeredRate !== null)) {
    columns.push({
      header: 'offered (req/s)',
      align: 'right',
      value: (p) => (p.offeredRate === null ? '∞' : formatReqPerS(p.offeredRate)),
    });
  }
  columns.push(
    { header: 'req/s', align: 'right', value: value('request_throughput') },
    { header: 'output tok/s', align: 'right', value: value('output_throughput') },
  );
  if (points.some((p) => metric(p, 'request_goodput') !== null)) {
    columns.push({ header: 'goodput (req/s)', align: 'right', value: value('request_goodput') });
  }
  columns.push(
    { header: 'p50 TTFT (ms)', align: 'right', value: latency('p50_ttft_ms', 'median_ttft_ms') },
    { header: 'p99 TTFT (ms)', align: 'right', value: latency('p99_ttft_ms') },
  );
  // Beside vLLM's send-based TTFT, the queue-inclusive one SLOs judge by default (they differ
  // when requests waited in the client behind maxConcurrency).
  if (points.some((p) => metric(p, 'p99_queued_ttft_ms') !== null)) {
    columns.push({ header: 'p99 queued TTFT (ms)', align: 'right', value: latency('p99_queued_ttft_ms') });
  }
  columns.push(
    { header: 'p99 TPOT (ms)', align: 'right', value: latency('p99_tpot_ms') },
    { header: 'p99 ITL (ms)', align: 'right', value: latency('p99_itl_ms') },
    { header: 'p99 E2EL (ms)', align: 'right', value: latency('p99_e2el_ms') },
    { header: 'failed', align: 'right', value: failures },
    { header: 'SLO', align: 'left', value: sloCell },
    { header: 'baseline', align: 'left', value: (p) => baselineCell(p.baseline) },
  );
  return columns;
}

/** One row per load point: throughput, latency percentiles (with 95% CIs), failures, SLO and baseline. */
export function renderPointTable(points: readonly PointResult[]): string {
  const columns = columnsFor(points);
  const lines = [
    `| ${columns.map((c) => c.header).join(' | ')} |`,
    `|${columns.map((c) => (c.align === 'right' ? '--:' : '---')).join('|')}|`,
    ...points.map((p) => `| ${columns.map((c) => cell(c.value(p))).join(' | ')} |`),
  ];
  return lines.join('\n');
}

const withUnit = (metricKey: string, v: number) => {
  const unit = metricUnit(metricKey);
  return `${formatMetric(metricKey, v)}${unit ? ` ${unit}` : ''}`;
};

function sloNote(p: PointResult, s: SloCheck): string {
  const ci = s.ci ? ` (95% CI ${withUnit(s.metric, s.ci[0])} – ${withUnit(s.metric, s.ci[1])})` : '';
  // The TTFT/E2EL variant not judged, for comparison (vLLM's send-based one, or the queued one).
  const otherKey = otherLatencyVariant(s.metric);
  const other = otherKey === null ? null : metric(p, otherKey);
  const beside =
    otherKey !== null && other !== null
      ? `; ${metricLabel(otherKey)} ${code(otherKey)} (not judged) ${withUnit(otherKey, other)}`
      : '';
  return `SLO ${metricLabel(s.metric)} ${code(s.metric)} not met: measured ${withUnit(s.metric, s.measured)}${ci}, limit ${withUnit(s.metric, s.limit)}${beside}`;
}

/** First line of an error, cut short: stack traces belong in the Vitest output, not the summary. */
function firstLine(message: string): string {
  const line = message.split(/\r?\n/).find((l) => l.trim() !== '') ?? message;
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

const MAX_ERRORS = 3;

/**
 * Spelled-out problems below the table: why a point is invalid, which SLOs failed and by how much,
 * test errors not explained by those (first lines only), baseline messages (e.g. which key fields
 * did not match), and the summary's notes on how token counts were made (metrics/summarize.ts).
 */
export function renderPointNotes(points: readonly PointResult[]): string {
  const notes: string[] = [];
  for (const p of points) {
    const who = `**${escapeMarkdown(p.test)}**`;
    if (!p.valid) {
      const reasons =
        p.invalidReasons.length > 0 ? p.invalidReasons.map(escapeMarkdown).join('; ') : 'no reason given';
      notes.push(`- ⚠️ ${who}: invalid run: ${reasons}`);
    }
    for (const s of p.slo.filter((check) => !check.pass)) notes.push(`- ❌ ${who}: ${sloNote(p, s)}`);
    // A failed SLO or a regression already says why the test failed; its assertion message would repeat it.
    const explained = p.slo.some((check) => !check.pass) || p.baseline?.status === 'regressed';
    const errors = explained ? [] : p.errors;
    for (const e of errors.slice(0, MAX_ERRORS)) notes.push(`- ❌ ${who}: ${escapeMarkdown(firstLine(e))}`);
    if (errors.length > MAX_ERRORS) notes.push(`- ❌ ${who}: and ${errors.length - MAX_ERRORS} more errors`);
    if (p.baseline?.message) notes.push(`- ℹ️ ${who}: baseline: ${escapeMarkdown(p.baseline.message)}`);
    // The summary's notes: token counts the server did not make (from chunks, estimated, word prompts).
    const countNotes = Array.isArray(p.summary.notes) ? p.summary.notes : [];
    for (const n of countNotes) if (typeof n === 'string') notes.push(`- ℹ️ ${who}: ${escapeMarkdown(n)}`);
  }
  return notes.join('\n');
}
