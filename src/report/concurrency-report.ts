import type { ConcurrencyLevel, ConcurrencySweepResult } from '../capacity/concurrency-sweep.ts';
import { cell, escapeMarkdown } from './escape.ts';
import { fixed, formatCount, formatPercent } from './format.ts';
import type { PointResult } from './schema.ts';
import type { ChartSeries, LineChartOptions } from './svg-chart.ts';

/** A concurrency-sweep point: a point whose test ran `runConcurrencySweep`. */
export type ConcurrencySweepPoint = PointResult & { concurrencySweep: ConcurrencySweepResult };

export const isConcurrencySweepPoint = (p: PointResult): p is ConcurrencySweepPoint =>
  p.concurrencySweep !== undefined;

/** Values spanning this ratio or more go on a log axis (as in experiment-charts.ts). */
const LOG_RATIO = 30;

/** Milliseconds as a sentence reads them: 634 ms, 26 ms, 6.5 ms. */
const ms = (v: number) => `${fixed(v, v >= 10 ? 0 : 1)} ms`;
const msCell = (v: number | null) => (v === null ? '—' : fixed(v, 1));
const tokS = (v: number) => fixed(v, v >= 100 ? 0 : 1);

/**
 * The answer first: "**Throughput saturates at concurrency 16: 2,237 tok/s, 10.4× concurrency 1**;
 * beyond it TTFT p99 jumps from 28 ms to 603 ms (concurrency 32)." Or that it still grew at the
 * largest level. Rate-limited levels and levels whose client did not hold its concurrency follow.
 */
export function sweepAnswerLine(point: ConcurrencySweepPoint): string {
  const s = point.concurrencySweep;
  const base = s.scalingBase === null ? '' : `concurrency ${formatCount(s.scalingBase)}`;
  const scaled = (l: ConcurrencyLevel) =>
    l.scaling === null || base === '' ? '' : `, ${fixed(l.scaling, 1)}× ${base}`;
  const rule = `less than ${formatPercent(s.rules.saturationGrowth, 0)} more throughput per doubling`;
  const saturated = s.levels.find((l) => l.concurrency === s.saturation);
  const last = s.levels.at(-1);
  if (!last) return '**Concurrency sweep: no level ran.**';
  if (!saturated) {
    const top = s.levels.findLast((l) => l.valid) ?? last;
    return `**Throughput did not saturate up to concurrency ${formatCount(top.concurrency)}: ${tokS(top.outputThroughput)} tok/s${scaled(top)}** (saturation: the smallest level after which every larger one gives ${rule}).`;
  }
  const beyond = s.levels.findLast((l) => l.concurrency > saturated.concurrency && l.valid);
  const jump =
    beyond && saturated.p99TtftMs !== null && beyond.p99TtftMs !== null
      ? `; beyond it TTFT p99 ${beyond.p99TtftMs >= saturated.p99TtftMs * 1.5 ? 'jumps' : 'goes'} from ${ms(saturated.p99TtftMs)} to ${ms(beyond.p99TtftMs)} (concurrency ${formatCount(beyond.concurrency)})`
      : '';
  return `**Throughput saturates at concurrency ${formatCount(saturated.concurrency)}: ${tokS(saturated.outputThroughput)} tok/s${scaled(saturated)}**${jump}. Saturation: the smallest level after which every larger one gives ${rule}.`;
}

/** Seed 004's table shape: throughput, scaling, TTFT and total latency, Little's law, 429s and failures. */
export function sweepTable(s: ConcurrencySweepResult): string {
  const header = [
    'concurrency',
    'requests',
    'output tok/s',
    `scaling (vs ${s.scalingBase ?? '—'})`,
    'mean TTFT (ms)',
    'p95 TTFT (ms)',
    'p99 TTFT (ms)',
    'mean total (ms)',
    'p95 total (ms)',
    'p99 total (ms)',
    "Little's law (in flight / concurrency)",
    '429 (backpressure)',
    'failed',
  ];
  const rows = s.levels.map((l) => [
    formatCount(l.concurrency) + (l.concurrency === s.saturation ? ' (saturation)' : ''),
    formatCount(l.requests),
    fixed(l.outputThroughput, 1),
    l.scaling === null ? '—' : `${fixed(l.scaling, 2)}×`,
    msCell(l.meanTtftMs),
    msCell(l.p95TtftMs),
    msCell(l.p99TtftMs),
    msCell(l.meanE2elMs),
    msCell(l.p95E2elMs),
    msCell(l.p99E2elMs),
    l.littleRatio === null || l.inFlight === null
      ? '— (no steady window)'
      : `${fixed(l.inFlight, 1)} / ${formatCount(l.concurrency)} = ${fixed(l.littleRatio, 2)}${l.littleOk ? '' : ' ⚠️'}`,
    formatCount(l.rateLimited),
    formatCount(l.failed) + (l.valid ? '' : ' ⚠️ invalid'),
  ]);
  const align = header.map(() => '--:');
  return [header, align, ...rows].map((r) => `| ${r.map((x) => cell(x)).join(' | ')} |`).join('\n');
}

const meanMax = (stat: { mean: number; max: number } | null | undefined, decimals: number, scale = 1) =>
  stat ? `${fixed(stat.mean * scale, decimals)} / ${fixed(stat.max * scale, decimals)}` : '—';

/**
 * What the server's own /metrics, the GPUs and the host said during each level (mean / max), where
 * the KV cache fills and requests start to wait; empty when no level has any of it.
 */
export function sweepServerTable(s: ConcurrencySweepResult): string {
  const seen = s.levels.some((l) => l.serverMetrics?.available || l.telemetry || l.hostCpu?.available);
  if (!seen) return '';
  const header = [
    'concurrency',
    'running',
    'waiting',
    'KV cache used (%)',
    'preemptions',
    'GPU memory used (GiB, max)',
    'host CPU busy (%)',
  ];
  const rows = s.levels.map((l) => {
    const m = l.serverMetrics?.available ? l.serverMetrics : null;
    const gpuMiB = l.telemetry?.gpus.map((g) => g.memoryUsedMiB?.max ?? 0) ?? [];
    return [
      formatCount(l.concurrency),
      meanMax(m?.gauges.requestsRunning, 1),
      meanMax(m?.gauges.requestsWaiting, 1),
      meanMax(m?.gauges.kvCacheUsage, 0, 100),
      m?.counters.preemptions ? formatCount(m.counters.preemptions.increase) : '—',
      gpuMiB.length > 0 ? gpuMiB.map((v) => fixed(v / 1024, 1)).join(' + ') : '—',
      meanMax(l.hostCpu?.available ? l.hostCpu.busyPct : null, 0),
    ];
  });
  const align = header.map(() => '--:');
  return [
    '**Server, GPUs and host during each level** (mean / max over the level):',
    '',
    ...[header, align, ...rows].map((r) => `| ${r.map((x) => cell(x)).join(' | ')} |`),
  ].join('\n');
}

/**
 * The sweep's section: the answer, the table, then what needs a reader's attention: levels whose
 * client did not hold its concurrency (Little's law), HTTP 429s, invalid levels. Charts apart.
 */
export function renderConcurrencySection(point: ConcurrencySweepPoint): string[] {
  const s = point.concurrencySweep;
  const out = [sweepAnswerLine(point), '', sweepTable(s), ''];
  const server = sweepServerTable(s);
  if (server) out.push(server, '');
  const notes: string[] = [];
  for (const l of s.levels.filter((x) => x.littleOk === false)) {
    notes.push(
      `- ⚠️ concurrency ${formatCount(l.concurrency)}: the client did not hold its concurrency: ${fixed(l.inFlight ?? 0, 1)} requests in flight on average (Little's law: throughput × mean time in flight), ${fixed(l.littleRatio ?? 0, 2)}× the ${formatCount(l.concurrency)} asked (tolerance ±${formatPercent(s.rules.littleTolerance, 0)}); its figures are for that lower load.`,
    );
  }
  for (const l of s.levels.filter((x) => x.rateLimited > 0)) {
    notes.push(
      `- 🚦 concurrency ${formatCount(l.concurrency)}: the server refused ${formatCount(l.rateLimited)} of ${formatCount(l.requests)} requests with HTTP 429 (backpressure): counted apart from failures, and left out of the latency statistics.`,
    );
  }
  for (const l of s.levels.filter((x) => !x.valid)) {
    notes.push(
      `- ⚠️ concurrency ${formatCount(l.concurrency)} is invalid and left out of the saturation rule: ${escapeMarkdown(l.invalidReasons.join('; '))}`,
    );
  }
  if (notes.length > 0) out.push(...notes, '');
  return out;
}

/**
 * The sweep's chart: output throughput (left) and p99 TTFT (right, on a log axis when it spans 30×
 * or more) against concurrency, the saturation level marked, a watermark on simulated results.
 */
export function concurrencySweepChart(point: ConcurrencySweepPoint): LineChartOptions | null {
  const s = point.concurrencySweep;
  if (s.levels.length < 2) return null;
  const throughput: ChartSeries = {
    name: 'output throughput',
    points: s.levels.map((l) => ({ x: l.concurrency, y: l.outputThroughput })),
  };
  const ttft: ChartSeries = {
    name: 'p99 TTFT',
    axis: 'right',
    points: s.levels.map((l) => ({ x: l.concurrency, y: l.p99TtftMs ?? Number.NaN })),
  };
  const positive = ttft.points.map((p) => p.y).filter((y) => y > 0 && Number.isFinite(y));
  const wide = positive.length >= 2 && Math.max(...positive) / Math.min(...positive) >= LOG_RATIO;
  return {
    title: 'Throughput and p99 TTFT vs concurrency',
    xLabel: 'concurrency (closed-loop users)',
    yLabel: 'output throughput (tok/s)',
    series: [throughput, ttft],
    secondAxis: { label: 'p99 TTFT (ms)', log: wide },
    xMarks:
      s.saturation === null ? [] : [{ x: s.saturation, label: `saturation ${formatCount(s.saturation)}` }],
    ...(point.simulated ? { watermark: 'SIMULATED' } : {}),
  };
}
