import type { ServerSweepPoint, ServerSweepResult } from '../capacity/server-sweep.ts';
import { stopReasonWords } from '../capacity/stop-reasons.ts';
import { cell, escapeMarkdown } from './escape.ts';
import { fixed, formatPercent } from './format.ts';
import type { PointResult } from './schema.ts';
import type { ChartSeries, LineChartOptions } from './svg-chart.ts';

/** A server-sweep point: a point whose test ran `runServerSweep`. */
export type ServerSweepReportPoint = PointResult & { serverSweep: ServerSweepResult };

export const isServerSweepPoint = (p: PointResult): p is ServerSweepReportPoint =>
  p.serverSweep !== undefined;

const NONE = '—';
const times = (v: number | null) => (v === null ? NONE : `${fixed(v, 2)}×`);
const ms = (v: number | null) => (v === null ? NONE : fixed(v, v >= 100 ? 0 : 1));
const rate = (v: number) => fixed(v, v >= 100 ? 0 : v >= 10 ? 1 : 2);
const divide = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);
const labelOf = (s: ServerSweepResult, x: number) => s.points.find((p) => p.x === x)?.label ?? String(x);

/** The capacity a point holds, as tables print it: "13.6 [13.6, 14.2]", "≥ 13.6", "none". */
function capacityCell(p: ServerSweepPoint): string {
  const c = p.capacity;
  if (!c) return NONE;
  // A confirmation (CI with a baseline) probed the recorded capacity: say what became of it.
  const recorded = c.mode === 'confirm' ? c.probes[0]?.load : undefined;
  if (recorded !== undefined && c.max_passing === null) {
    return c.stop_reason === 'unresolved'
      ? `undecided at ${rate(recorded)} (recorded)`
      : `fails at ${rate(recorded)} (recorded)`;
  }
  if (c.max_passing === null) return 'none';
  return c.min_failing === null
    ? `≥ ${rate(c.max_passing)}`
    : `${rate(c.max_passing)} [${rate(c.max_passing)}, ${rate(c.min_failing)}]`;
}

function efficiencyCell(p: ServerSweepPoint): string {
  const e = p.efficiency;
  if (!e) return NONE;
  const bound = (v: number | null) => (v === null ? '?' : formatPercent(v, 0));
  return `${formatPercent(e.value, 0)} [${bound(e.low)}, ${bound(e.high)}]`;
}

/** The SLO at the fixed load: "pass (attainment 0.98 [0.93, 1.00])". */
function sloCell(p: ServerSweepPoint): string {
  if (p.slo === null) return NONE;
  const binding = p.objectives.find((o) => o.verdict !== 'pass') ?? p.objectives[0];
  const detail = binding
    ? ` (${binding.objective} ${fixed(binding.measured, binding.measured > 1 ? 0 : 2)} [${fixed(binding.ci[0], 2)}, ${fixed(binding.ci[1], 2)}])`
    : '';
  const mark = p.slo === 'pass' ? '✅' : p.slo === 'fail' ? '❌' : '⚠️';
  return `${mark} ${p.slo}${p.valid ? '' : ' (invalid run)'}${detail}`;
}

/**
 * The answer first. MPS and argument sweeps: the elbow ("**The SLO holds down to 40 %** ...") and
 * what the least point costs against the reference; scaling: the largest configuration's
 * capacity, its gain and efficiency with the interval the capacity brackets allow.
 */
export function serverSweepAnswerLine(point: ServerSweepReportPoint): string {
  const s = point.serverSweep;
  const ref = s.points.find((p) => p.x === s.reference);
  const refLabel = escapeMarkdown(labelOf(s, s.reference));
  if (s.kind === 'scaling') {
    const top = s.points.at(-1);
    if (!top) return '**No scaling figure**: the sweep has no points.';
    const atLoad = `${rate(top.requestThroughput)} req/s at the common load, ${times(top.ratios.throughput)} ${refLabel}`;
    if (!top.capacity || !ref?.capacity) {
      return `**${escapeMarkdown(top.label)}: ${atLoad}** (no capacity search: efficiency needs one per point).`;
    }
    const unanswered = [ref, top].filter((p) => p.capacity?.max_passing == null);
    const first = unanswered[0]?.capacity;
    if (first) {
      const which = unanswered.map((p) => escapeMarkdown(p.label)).join(' and ');
      const why =
        first.mode === 'confirm'
          ? `the recorded capacity at ${which}: ${stopReasonWords[first.stop_reason]}`
          : `no load passed the SLO at ${which}: ${stopReasonWords[first.stop_reason]}`;
      return `**No scaling efficiency** (${why}); ${escapeMarkdown(top.label)}: ${atLoad}.`;
    }
    if (!top.capacity.max_passing || !ref.capacity.max_passing)
      return `**${escapeMarkdown(top.label)}: ${atLoad}**.`;
    return `**${escapeMarkdown(top.label)} hold ${rate(top.capacity.max_passing)} req/s under the SLO, ${fixed(top.capacity.max_passing / ref.capacity.max_passing, 2)}× ${refLabel}: scaling efficiency ${efficiencyCell(top)}** (capacity per ${escapeMarkdown(s.xLabel)} against ${refLabel}; the interval from both capacity brackets).`;
  }
  const slo = s.slo === null ? '' : ` (${escapeMarkdown(s.slo)} at ${escapeMarkdown(s.load)})`;
  if (s.elbow === null) {
    return `**No elbow${slo}**: ${escapeMarkdown(s.elbowNote ?? 'no point met the SLO')}.`;
  }
  const elbow = s.points.find((p) => p.x === s.elbow);
  // The hard end of the sweep: what its most constrained point costs against the reference.
  const hardest = s.elbowRule === 'greatest' ? s.points.at(-1) : s.points[0];
  const cost =
    hardest && hardest.x !== s.reference
      ? ` At ${escapeMarkdown(hardest.label)}: TTFT ${times(hardest.ratios.ttft)}, ITL ${times(hardest.ratios.itl)}, throughput ${times(hardest.ratios.throughput)} of ${refLabel}.`
      : '';
  const beyond =
    s.elbowNote && elbow && hardest && elbow.x !== hardest.x ? `; ${escapeMarkdown(s.elbowNote)}` : '';
  const holds = s.elbowRule === 'greatest' ? 'up to' : 'down to';
  return `**The SLO holds ${holds} ${escapeMarkdown(elbow?.label ?? String(s.elbow))}**${slo}${beyond}.${cost}`;
}

/** One row per point: throughput, latency and their ratios to the reference, the SLO, capacity, efficiency. */
export function serverSweepTable(s: ServerSweepResult): string {
  const ref = escapeMarkdown(labelOf(s, s.reference));
  const withCapacity = s.points.some((p) => p.capacity !== null);
  const header = [
    escapeMarkdown(s.xLabel),
    'req/s',
    `vs ${ref}`,
    'output tok/s',
    'mean TTFT (ms)',
    `vs ${ref}`,
    'p99 TTFT (ms)',
    'mean ITL (ms)',
    `vs ${ref}`,
    'SLO at the load',
    ...(withCapacity ? ['capacity (req/s)'] : []),
    ...(s.kind === 'scaling' && withCapacity ? ['efficiency'] : []),
  ];
  const rows = s.points.map((p) => [
    escapeMarkdown(p.label) +
      (p.x === s.elbow ? ' (elbow)' : '') +
      (p.x === s.reference ? ' (reference)' : ''),
    rate(p.requestThroughput),
    times(p.ratios.throughput),
    fixed(p.outputThroughput, 1),
    ms(p.meanTtftMs),
    times(p.ratios.ttft),
    ms(p.p99TtftMs),
    ms(p.meanItlMs),
    times(p.ratios.itl),
    sloCell(p),
    ...(withCapacity ? [capacityCell(p)] : []),
    ...(s.kind === 'scaling' && withCapacity ? [efficiencyCell(p)] : []),
  ]);
  const align = header.map((_, i) => (i === 0 || i === 9 ? '---' : '--:'));
  return [header, align, ...rows].map((r) => `| ${r.map((x) => cell(x)).join(' | ')} |`).join('\n');
}

/** Published and measured differ "notably" beyond this share (of the published ratio). */
const NOTABLE = 0.15;

/**
 * The published figures beside the sweep's own: each metric as a ratio to the reference point
 * (ratios carry across hardware and simulation; absolute values do not), then where the two
 * differ by more than 15 % and the published note on why.
 */
export function publishedComparison(s: ServerSweepResult, simulated: boolean): string[] {
  const pub = s.published;
  if (!pub) return [];
  const ref = labelOf(s, s.reference);
  const pubRef = pub.points.find((p) => p.x === s.reference);
  const ours = simulated ? 'ours (simulated)' : 'ours';
  const metrics = [
    { name: 'mean TTFT', pick: (p: { meanTtftMs?: number | null }) => p.meanTtftMs ?? null },
    { name: 'mean ITL', pick: (p: { meanItlMs?: number | null }) => p.meanItlMs ?? null },
    { name: 'req/s', pick: (p: { requestThroughput?: number | null }) => p.requestThroughput ?? null },
  ];
  const header = [
    escapeMarkdown(s.xLabel),
    ...metrics.flatMap((m) => [`${m.name} published (× ${ref})`, `${m.name} ${ours} (× ${ref})`]),
  ];
  const differences: string[] = [];
  const rows = pub.points
    .toSorted((a, b) => a.x - b.x)
    .map((pp) => {
      const mine = s.points.find((p) => p.x === pp.x);
      const mineRef = s.points.find((p) => p.x === s.reference);
      const cells = metrics.flatMap((m) => {
        const theirs = divide(m.pick(pp), pubRef ? m.pick(pubRef) : null);
        const measured = mine && mineRef ? divide(m.pick(mine), m.pick(mineRef)) : null;
        if (theirs !== null && measured !== null && Math.abs(measured / theirs - 1) > NOTABLE)
          differences.push(
            `${m.name} at ${labelOf(s, pp.x)}: ${times(measured)} vs ${times(theirs)} published`,
          );
        const abs = (v: number | null) => (v === null ? '' : ` (${fixed(v, v >= 100 ? 0 : 2)})`);
        return [`${times(theirs)}${abs(m.pick(pp))}`, `${times(measured)}${abs(mine ? m.pick(mine) : null)}`];
      });
      return [escapeMarkdown(labelOf(s, pp.x)), ...cells];
    });
  const align = header.map((_, i) => (i === 0 ? '---' : '--:'));
  const out = [
    `**Beside the published figures** (${escapeMarkdown(pub.source)}; ratios to ${escapeMarkdown(ref)}, absolute values in parentheses):`,
    '',
    ...[header, align, ...rows].map((r) => `| ${r.map((x) => cell(x)).join(' | ')} |`),
    '',
    differences.length === 0
      ? `Every ratio is within ${formatPercent(NOTABLE, 0)} of the published one.`
      : `Where they differ by more than ${formatPercent(NOTABLE, 0)}: ${escapeMarkdown(differences.join('; '))}.`,
  ];
  if (pub.note) out.push('', `Why they may differ: ${escapeMarkdown(pub.note)}`);
  return [...out, ''];
}

/** The sweep's section: the answer, the table, then the points that need a reader's attention. */
export function renderServerSweepSection(point: ServerSweepReportPoint): string[] {
  const s = point.serverSweep;
  const out = [
    serverSweepAnswerLine(point),
    '',
    serverSweepTable(s),
    '',
    ...publishedComparison(s, point.simulated),
  ];
  const notes = s.points
    .filter((p) => !p.valid)
    .map((p) => `- ⚠️ ${escapeMarkdown(p.label)} is invalid: ${escapeMarkdown(p.invalidReasons.join('; '))}`);
  if (notes.length > 0) out.push(...notes, '');
  return out;
}

/**
 * The sweep's chart. Scaling: capacity under the SLO (with its bracket) and efficiency (right axis)
 * against the swept variable. MPS and arguments: mean TTFT, mean ITL and throughput as ratios to
 * the reference, the elbow marked.
 */
export function serverSweepChart(point: ServerSweepReportPoint): LineChartOptions | null {
  const s = point.serverSweep;
  if (s.points.length < 2) return null;
  const watermark = point.simulated ? { watermark: 'SIMULATED' } : {};
  if (s.kind === 'scaling' && s.points.some((p) => p.capacity?.max_passing != null)) {
    const capacity: ChartSeries = {
      name: 'capacity under the SLO',
      points: s.points.map((p) => ({
        x: p.x,
        y: p.capacity?.max_passing ?? Number.NaN,
        lo: p.capacity?.max_passing ?? undefined,
        hi: p.capacity?.min_failing ?? undefined,
      })),
    };
    const efficiency: ChartSeries = {
      name: 'scaling efficiency',
      axis: 'right',
      points: s.points.map((p) => ({ x: p.x, y: p.efficiency ? 100 * p.efficiency.value : Number.NaN })),
    };
    return {
      title: `Capacity and scaling efficiency vs ${s.xLabel}`,
      xLabel: s.xLabel,
      yLabel: 'capacity (req/s)',
      series: [capacity, efficiency],
      secondAxis: { label: 'efficiency (%)' },
      ...watermark,
    };
  }
  const ratioSeries = (name: string, pick: (p: ServerSweepPoint) => number | null): ChartSeries => ({
    name,
    points: s.points.map((p) => ({ x: p.x, y: pick(p) ?? Number.NaN })),
  });
  return {
    title: `Latency and throughput vs ${s.xLabel} (× ${labelOf(s, s.reference)})`,
    xLabel: s.xLabel,
    yLabel: `ratio to ${labelOf(s, s.reference)}`,
    series: [
      ratioSeries('mean TTFT', (p) => p.ratios.ttft),
      ratioSeries('mean ITL', (p) => p.ratios.itl),
      ratioSeries('request throughput', (p) => p.ratios.throughput),
    ],
    xMarks: s.elbow === null ? [] : [{ x: s.elbow, label: `elbow ${labelOf(s, s.elbow)}` }],
    ...watermark,
  };
}
