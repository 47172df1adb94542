import {
  type CapacityProbe,
  type CapacityResult,
  type ObjectiveVerdict,
  phaseLabel,
} from '../capacity/result.ts';
import { stopReasonWords } from '../capacity/stop-reasons.ts';
import { cell, escapeMarkdown } from './escape.ts';
import { fixed, formatCount, formatPercent } from './format.ts';
import type { PointResult } from './schema.ts';
import type { ChartSeries, LineChartOptions } from './svg-chart.ts';

/** A capacity point: a point whose test ran `runCapacity`. */
export type CapacityPoint = PointResult & { capacity: CapacityResult };

export const isCapacityPoint = (p: PointResult): p is CapacityPoint => p.capacity !== undefined;

const unit = (c: CapacityResult) => (c.variable === 'request-rate' ? 'req/s' : 'concurrent requests');
const quantity = (c: CapacityResult) =>
  c.variable === 'request-rate' ? 'Max request rate' : 'Max concurrency';
/** Loads as people read them: 13.6 req/s, 12 concurrent requests. */
const load = (c: CapacityResult, x: number) =>
  c.variable === 'concurrency' ? formatCount(x) : fixed(x, x >= 100 ? 0 : x >= 10 ? 1 : 2);

/**
 * The answer first, in one sentence: "Max request rate under SLO (p99 TTFT <= 200 ms): 13.6 req/s,
 * bracket [13.6, 14.2]; knee 14.1 req/s". A confirmation says whether the recorded answer holds.
 */
export function answerLine(point: CapacityPoint): string {
  const c = point.capacity;
  const slo = escapeMarkdown(c.slo);
  const knee = c.knee === null ? '' : `; knee ${load(c, c.knee)} ${unit(c)}`;
  const probes = `${c.probes.length} load run${c.probes.length === 1 ? '' : 's'}`;
  if (c.mode === 'confirm') {
    const at = c.probes[0]?.load;
    const where = at === undefined ? '' : ` at ${load(c, at)} ${unit(c)}`;
    const holds = c.stop_reason === 'confirmed';
    const more =
      holds && c.max_passing !== null && at !== undefined && c.max_passing > at
        ? ` It also held at ${load(c, c.max_passing)} ${unit(c)}: capacity improved (re-record with \`-u\`).`
        : '';
    return `**${holds ? '✅ SLO holds' : c.stop_reason === 'unresolved' ? '⚠️ Undecided' : '❌ SLO no longer holds'}${where}**, the recorded capacity (${slo}); ${probes}.${more}`;
  }
  if (c.max_passing === null) {
    return `**${quantity(c)} under SLO (${slo}): none found**: ${stopReasonWords[c.stop_reason]} (${probes}).`;
  }
  const bracket =
    c.min_failing === null
      ? `at least ${load(c, c.max_passing)}`
      : `bracket [${load(c, c.max_passing)}, ${load(c, c.min_failing)}]`;
  // Loads left undecided inside the bracket sit near the boundary: worth a reader's knowing.
  const undecided = [
    ...new Set(
      c.probes
        .filter((p) => p.verdict === 'unresolved' && p.load > (c.max_passing as number))
        .filter((p) => c.min_failing === null || p.load < c.min_failing)
        .filter((p) => !c.probes.some((q) => q.load === p.load && q.verdict !== 'unresolved'))
        .map((p) => load(c, p.load)),
    ),
  ];
  const near = undecided.length > 0 ? `; undecided at ${undecided.join(', ')} ${unit(c)}` : '';
  return `**${quantity(c)} under SLO (${slo}): ${load(c, c.max_passing)} ${unit(c)}**, ${bracket}${near}${knee} (${stopReasonWords[c.stop_reason]}; ${probes}).`;
}

const verdictMarks: Record<CapacityProbe['verdict'], string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  unresolved: '⚠️ unresolved',
  invalid: '⚠️ invalid',
};

/** One objective as a cell: `attainment 96.2% [93.1, 98.0] ≥ 95%`. */
function objectiveCell(o: ObjectiveVerdict): string {
  const isShare = o.objective === 'attainment' || o.objective === 'error_rate';
  const measured = isShare ? formatPercent(o.measured) : `${fixed(o.measured, 1)} ms`;
  const target = isShare ? formatPercent(o.target) : `${fixed(o.target, 1)} ms`;
  const op = o.objective === 'attainment' ? '≥' : '≤';
  const ci = `[${fixed(100 * o.ci[0], 1)}, ${fixed(100 * o.ci[1], 1)}]${isShare ? '' : ` % within vs ${formatPercent(o.judgedAgainst)}`}`;
  return `${o.objective.replace(/_/g, ' ')} ${measured} ${ci} ${op} ${target}`;
}

/** Every load run of the experiment, in the order it ran. */
export function probesTable(c: CapacityResult): string {
  const header = [
    '#',
    'phase',
    `load (${unit(c)})`,
    'judged',
    ...(c.variable === 'request-rate' ? ['offered (req/s)'] : []),
    'throughput (req/s)',
    'objectives [95% interval]',
    'verdict',
  ];
  const rows = c.probes.map((p) => [
    String(p.index),
    phaseLabel(p),
    load(c, p.load),
    formatCount(p.judgedRequests) + (p.extensions > 0 ? ` (+${p.extensions} ext.)` : ''),
    ...(c.variable === 'request-rate'
      ? [p.achievedOfferedRate === null ? '—' : fixed(p.achievedOfferedRate, 2)]
      : []),
    fixed(p.throughput, 2),
    p.objectives.map(objectiveCell).join('; ') || '—',
    verdictMarks[p.verdict] + (p.invalidReasons.length > 0 ? `: ${p.invalidReasons.join('; ')}` : ''),
  ]);
  const align = header.map((_, i) => (i === 1 || i >= header.length - 2 ? ':--' : '--:'));
  return [header, align, ...rows].map((r) => `| ${r.map((x) => cell(x)).join(' | ')} |`).join('\n');
}

/**
 * The experiment's section: the answer, the probes, and why probes did not count. Charts are
 * returned apart (the caller writes the files).
 */
export function renderCapacitySection(point: CapacityPoint): string[] {
  const out = [answerLine(point), '', probesTable(point.capacity), ''];
  const invalid = point.capacity.probes.filter((p) => p.verdict === 'invalid');
  if (invalid.length > 0) {
    out.push(
      `Invalid probes never bound the answer; ${invalid.length} of ${point.capacity.probes.length} ran invalid:`,
      ...invalid.map((p) => `- probe ${p.index}: ${escapeMarkdown(p.invalidReasons.join('; '))}`),
      '',
    );
  }
  return out;
}

/** The objective a chart draws: attainment when the SLO has one, else the first objective. */
function primaryObjective(c: CapacityResult): string | null {
  const names = c.probes.flatMap((p) => p.objectives.map((o) => o.objective));
  return names.includes('attainment') ? 'attainment' : (names[0] ?? null);
}

/**
 * The capacity chart: each probe's share of requests meeting the SLO (with its interval) against
 * load, by verdict (unresolved and invalid probes hollow: drawn, never counted), the target, the
 * answer's bracket, the knee, and a watermark on simulated results. Shares keep a fixed [0, 1] axis.
 */
export function capacityChart(point: CapacityPoint): LineChartOptions | null {
  const c = point.capacity;
  const name = primaryObjective(c);
  if (name === null || c.probes.length === 0) return null;
  const share = name === 'attainment' || name === 'error_rate';
  const of = (p: CapacityProbe) => p.objectives.find((o) => o.objective === name);
  const byVerdict = (verdict: CapacityProbe['verdict'], label: string, hollow = false): ChartSeries => ({
    name: label,
    line: false,
    hollow,
    points: c.probes
      .filter((p) => p.verdict === verdict && of(p))
      .map((p) => {
        const o = of(p) as ObjectiveVerdict;
        return share ? { x: p.load, y: o.measured, lo: o.ci[0], hi: o.ci[1] } : { x: p.load, y: o.measured };
      }),
  });
  const target = c.probes.map(of).find(Boolean)?.target;
  const xs = c.probes.map((p) => p.load);
  const series = [
    byVerdict('pass', 'pass'),
    byVerdict('fail', 'fail'),
    byVerdict('unresolved', 'unresolved', true),
    byVerdict('invalid', 'invalid', true),
  ].filter((s) => s.points.length > 0);
  if (target !== undefined) {
    series.push({
      name: `target ${share ? formatPercent(target, 0) : `${fixed(target, 0)} ms`}`,
      reference: true,
      points: [
        { x: Math.min(...xs), y: target },
        { x: Math.max(...xs), y: target },
      ],
    });
  }
  const label = name === 'attainment' ? 'requests meeting the SLO' : name.replace(/_/g, ' ');
  return {
    title: `${name === 'attainment' ? 'SLO attainment' : label} vs ${c.variable === 'request-rate' ? 'offered load' : 'concurrency'}`,
    xLabel: c.variable === 'request-rate' ? 'offered load (req/s)' : 'concurrency',
    yLabel: share ? `${label} (share)` : `${label}`,
    series,
    ...(share ? { yDomain: [0, 1] as [number, number] } : {}),
    ...(c.max_passing !== null && c.min_failing !== null
      ? {
          xBand: {
            from: c.max_passing,
            to: c.min_failing,
            label: `capacity ${load(c, c.max_passing)}–${load(c, c.min_failing)}`,
          },
        }
      : {}),
    xMarks: c.knee === null ? [] : [{ x: c.knee, label: `knee ${load(c, c.knee)}` }],
    ...(point.simulated ? { watermark: 'SIMULATED' } : {}),
  };
}

/** Throughput against load with the offered diagonal (rate searches): where the knee is seen. */
export function capacityThroughputChart(point: CapacityPoint): LineChartOptions | null {
  const c = point.capacity;
  const probes = c.probes.filter((p) => p.verdict !== 'invalid' && p.phase !== 'saturate');
  if (probes.length < 2) return null;
  const sortedProbes = probes.toSorted((a, b) => a.load - b.load);
  const series: ChartSeries[] = [
    { name: 'throughput', points: sortedProbes.map((p) => ({ x: p.load, y: p.throughput })) },
  ];
  if (c.variable === 'request-rate') {
    series.unshift({
      name: 'offered',
      reference: true,
      points: sortedProbes.map((p) => ({ x: p.load, y: p.load })),
    });
  }
  return {
    title: `Throughput vs ${c.variable === 'request-rate' ? 'offered load' : 'concurrency'}`,
    xLabel: c.variable === 'request-rate' ? 'offered load (req/s)' : 'concurrency',
    yLabel: 'throughput (req/s)',
    series,
    xMarks: c.knee === null ? [] : [{ x: c.knee, label: `knee ${load(c, c.knee)}` }],
    ...(point.simulated ? { watermark: 'SIMULATED' } : {}),
  };
}
