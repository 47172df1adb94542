import type {
  GpuTelemetry,
  ServerCounter,
  ServerGauge,
  ServerHistogram,
  ServerMetrics,
  Stat,
} from '../telemetry/schema.ts';
import { cell, escapeMarkdown } from './escape.ts';
import { fixed } from './format.ts';
import type { PointResult } from './schema.ts';

const NONE = '—';

const meanMax = (s: Stat, decimals: number, scale = 1) =>
  s === null ? NONE : `${fixed(s.mean * scale, decimals)} / ${fixed(s.max * scale, decimals)}`;

function memory(g: GpuTelemetry): string {
  const gib = 1 / 1024;
  const total = g.memoryTotalMiB === null ? '' : ` of ${fixed(g.memoryTotalMiB * gib, 1)}`;
  return g.memoryUsedMiB === null ? NONE : `${meanMax(g.memoryUsedMiB, 1, gib)}${total}`;
}

/** `0 (GPU-5f1c…)`: the index leases use, and enough of the UUID to tell GPUs of two hosts apart. */
const gpuName = (g: GpuTelemetry) => (g.uuid ? `${g.index} (${g.uuid.slice(0, 12)}…)` : g.index);

/**
 * GPU telemetry of the points that have it (targets on GPUs): one row per point and GPU with mean /
 * max utilisation, memory, SM clock and power while the load ran, then why any point has none.
 */
export function renderTelemetryTable(points: readonly PointResult[]): string {
  const withTelemetry = points.filter((p) => p.telemetry !== undefined);
  if (withTelemetry.length === 0) return '';
  const intervals = [...new Set(withTelemetry.map((p) => p.telemetry?.intervalMs))].join(', ');
  const rows: string[] = [];
  const notes: string[] = [];
  for (const p of withTelemetry) {
    const t = p.telemetry;
    if (!t) continue;
    for (const g of t.gpus) {
      const values = [
        escapeMarkdown(p.test),
        gpuName(g),
        meanMax(g.utilizationPct, 0),
        memory(g),
        meanMax(g.smClockMHz, 0),
        meanMax(g.powerW, 0),
        String(g.samples),
      ];
      rows.push(`| ${values.map(cell).join(' | ')} |`);
    }
    if (t.error) notes.push(`- ⚠️ **${escapeMarkdown(p.test)}**: ${escapeMarkdown(t.error)}`);
  }
  const lines = [`**GPU telemetry** (nvidia-smi every ${intervals} ms while the load ran; mean / max):`, ''];
  if (rows.length > 0) {
    lines.push(
      '| test | GPU | utilization (%) | memory used (GiB) | SM clock (MHz) | power (W) | samples |',
      '|---|---|--:|--:|--:|--:|--:|',
      ...rows,
    );
  }
  if (notes.length > 0) lines.push(...(rows.length > 0 ? [''] : []), ...notes);
  return lines.join('\n');
}

/**
 * The host's CPUs during each point that sampled them (/proc/stat, beside the GPU telemetry): the
 * whole host's busy share (mean over the run / busiest interval), the busiest core, this process
 * (the load client) in % of one core; then why a point has none.
 */
export function renderHostCpuTable(points: readonly PointResult[]): string {
  const sampled = points.filter((p) => p.hostCpu !== undefined);
  if (sampled.length === 0) return '';
  const intervals = [...new Set(sampled.map((p) => p.hostCpu?.intervalMs))].join(', ');
  const rows: string[] = [];
  const notes: string[] = [];
  for (const p of sampled) {
    const c = p.hostCpu;
    if (!c) continue;
    if (c.available) {
      const values = [
        escapeMarkdown(p.test),
        meanMax(c.busyPct, 1),
        c.maxCoreBusyPct === null ? NONE : fixed(c.maxCoreBusyPct, 1),
        meanMax(c.processCpuPct, 1),
        String(c.cores),
        String(c.samples),
      ];
      rows.push(`| ${values.map(cell).join(' | ')} |`);
    }
    if (!c.available)
      notes.push(
        `- **${escapeMarkdown(p.test)}**: not available: ${escapeMarkdown(c.reason ?? 'no reason given')}`,
      );
    else if (c.reason) notes.push(`- ⚠️ **${escapeMarkdown(p.test)}**: ${escapeMarkdown(c.reason)}`);
  }
  const lines = [`**Host CPU** (/proc/stat every ${intervals} ms while the load ran; mean / max):`, ''];
  if (rows.length > 0) {
    lines.push(
      '| test | host busy (%) | busiest core (%) | load client (% of a core) | cores | samples |',
      '|---|--:|--:|--:|--:|--:|',
      ...rows,
    );
  }
  if (notes.length > 0) lines.push(...(rows.length > 0 ? [''] : []), ...notes);
  return lines.join('\n');
}

const ENGINE_NAMES = { vllm: 'vLLM', llamacpp: 'llama.cpp' } as const;

/** One column of the server-metrics table: shown when any point has a value for it. */
interface ServerColumn {
  title: string;
  value: (m: ServerMetrics) => string | null;
}

const count = (c: ServerCounter | undefined) =>
  c ? fixed(c.increase, Number.isInteger(c.increase) ? 0 : 1) : null;
const gauge = (g: ServerGauge | undefined, decimals: number, scale = 1) =>
  g ? `${fixed(g.mean * scale, decimals)} / ${fixed(g.max * scale, decimals)}` : null;
/** A quantile as its histogram knows it: `≤ 300.0` inside the first bucket, `>7,680.0` past the last. */
function quantile(h: ServerHistogram, ms: number, beyond: boolean): string {
  if (beyond) return `>${fixed(ms, 1)}`;
  if (h.lowestBoundMs !== null && ms <= h.lowestBoundMs) return `≤ ${fixed(h.lowestBoundMs, 1)}`;
  return fixed(ms, 1);
}
const quantiles = (h: ServerHistogram | undefined) =>
  h && h.count > 0 && h.p50Ms !== null && h.p99Ms !== null
    ? `${quantile(h, h.p50Ms, false)} / ${quantile(h, h.p99Ms, h.beyondBuckets)}`
    : null;

function generation(m: ServerMetrics): string | null {
  const server = count(m.counters.generationTokens);
  if (server === null) return null;
  const check = m.crossChecks.find((c) => c.field === 'generationTokens');
  if (!check) return server;
  return `${server} (client ${fixed(check.client, 0)}${check.agrees ? '' : ' ⚠️'})`;
}

const SERVER_COLUMNS: readonly ServerColumn[] = [
  { title: 'engine', value: (m) => (m.engine ? ENGINE_NAMES[m.engine] : null) },
  { title: 'prompt tokens', value: (m) => count(m.counters.promptTokens) },
  { title: 'generation tokens', value: generation },
  { title: 'running', value: (m) => gauge(m.gauges.requestsRunning, 1) },
  { title: 'waiting', value: (m) => gauge(m.gauges.requestsWaiting, 1) },
  { title: 'KV cache (%)', value: (m) => gauge(m.gauges.kvCacheUsage, 1, 100) },
  { title: 'preemptions', value: (m) => count(m.counters.preemptions) },
  { title: 'queue p50 / p99 (ms)', value: (m) => quantiles(m.histograms.queueTime) },
  { title: 'prefill p50 / p99 (ms)', value: (m) => quantiles(m.histograms.prefillTime) },
  { title: 'decode p50 / p99 (ms)', value: (m) => quantiles(m.histograms.decodeTime) },
  { title: 'TTFT p50 / p99 (ms)', value: (m) => quantiles(m.histograms.ttft) },
];

/**
 * What the servers' own /metrics said during each point (docs/server-metrics.md): counts over
 * the point, gauges as mean / max while the load ran, latency quantiles of the point's requests
 * (columns no point has are left out), then each point's disagreements with the client and why a
 * point has none.
 */
export function renderServerMetricsTable(points: readonly PointResult[]): string {
  const scraped = points.filter((p) => p.serverMetrics !== undefined);
  if (scraped.length === 0) return '';
  const available = scraped.filter((p) => p.serverMetrics?.available);
  const columns = SERVER_COLUMNS.filter((c) =>
    available.some((p) => p.serverMetrics && c.value(p.serverMetrics) !== null),
  );
  const intervals = [...new Set(scraped.map((p) => fixed((p.serverMetrics?.intervalMs ?? 0) / 1000, 1)))];
  const lines = [
    `**Server metrics** (the server's own \`/metrics\`, every ${intervals.join(', ')} s while the load ran: ` +
      'counts over the point, gauges mean / max, latency quantiles of the point’s requests):',
    '',
  ];
  if (available.length > 0) {
    lines.push(
      `| test | ${columns.map((c) => c.title).join(' | ')} |`,
      `|---|${columns.map((c) => (c.title === 'engine' ? '---' : '--:')).join('|')}|`,
    );
    for (const p of available) {
      const m = p.serverMetrics as ServerMetrics;
      const values = [escapeMarkdown(p.test), ...columns.map((c) => c.value(m) ?? NONE)];
      lines.push(`| ${values.map(cell).join(' | ')} |`);
    }
  }
  const notes: string[] = [];
  for (const p of scraped) {
    const m = p.serverMetrics as ServerMetrics;
    const test = `**${escapeMarkdown(p.test)}**`;
    if (!m.available)
      notes.push(`- ${test}: not available: ${escapeMarkdown(m.reason ?? 'no reason given')}`);
    else if (m.reason) notes.push(`- ${test}: ${escapeMarkdown(m.reason)}`);
    for (const w of m.warnings) notes.push(`- ⚠️ ${test}: ${escapeMarkdown(w)}`);
  }
  if (notes.length > 0) lines.push(...(available.length > 0 ? [''] : []), ...notes);
  return lines.join('\n');
}
