import type { GpuTelemetry, Stat } from '../telemetry/schema.ts';
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
