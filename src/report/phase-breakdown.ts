import type { ServerHistogram, ServerHistogramField, ServerMetrics } from '../telemetry/schema.ts';
import { cell, escapeMarkdown } from './escape.ts';
import { fixed, formatMs, formatPercent } from './format.ts';
import type { PointResult } from './schema.ts';
import { metric } from './summary-values.ts';
import type { StackedBarChartOptions } from './svg-bar-chart.ts';

/** The phases the server times a request by, in the order the request goes through them. */
export const PHASES = ['queue', 'prefill', 'decode'] as const;
export type Phase = (typeof PHASES)[number];

/** Each phase's histogram in `serverMetrics.histograms` (vLLM's `vllm:request_<phase>_time_seconds`). */
export const PHASE_HISTOGRAMS = {
  queue: 'queueTime',
  prefill: 'prefillTime',
  decode: 'decodeTime',
} as const satisfies Record<Phase, ServerHistogramField>;

/** Chart colours (Okabe-Ito, as the line charts): waiting orange, the two in-engine phases blue and green. */
export const PHASE_COLOURS: Record<Phase, string> = {
  queue: '#E69F00',
  prefill: '#0072B2',
  decode: '#009E73',
};

/** One phase at one point: the server's mean per request and its share of queue + prefill + decode. */
export type PhaseTime = Pick<ServerHistogram, 'count' | 'source'> & {
  meanMs: NonNullable<ServerHistogram['meanMs']>;
  /** meanMs / (queue + prefill + decode), 0..1. */
  share: number;
};

/**
 * A client mean beside the server's sum of phase means for the same requests: the gap (client -
 * server) is time outside the server's phases: HTTP, tokenisation and detokenisation, the network,
 * the load client itself.
 */
export type PhaseCrossCheck =
  | {
      compared: true;
      /** The client's summary key, e.g. `mean_ttft_ms`. */
      clientKey: string;
      clientMs: number;
      serverMs: number;
      gapMs: number;
      /** gapMs / clientMs; null when the client measured 0. */
      relativeGap: number | null;
      /** Within GAP_CLOSE_MS or GAP_CLOSE_FRACTION of the client's value. */
      close: boolean;
    }
  | { compared: false; clientKey: string; serverMs: number; reason: string };

interface PointName {
  test: PointResult['test'];
  /** The point's x value with its xLabel ("10 offered req/s"), else its test name. */
  label: string;
}

export type PhaseBreakdown = PointName &
  (
    | {
        available: true;
        engine: ServerMetrics['engine'];
        phases: Record<Phase, PhaseTime>;
        /** queue + prefill + decode, ms: the server's mean time per request. */
        totalMs: number;
        /** Client mean TTFT vs server queue + prefill. */
        ttft: PhaseCrossCheck;
        /** Client mean E2EL vs server queue + prefill + decode. */
        e2el: PhaseCrossCheck;
        /** What limited the server's window (a failed scrape before or after the load). */
        note?: string;
      }
    | { available: false; reason: string }
  );

/** A gap within this many ms of the client's value is close, whatever the value. */
export const GAP_CLOSE_MS = 5;
/** ... or within this fraction of it. */
export const GAP_CLOSE_FRACTION = 0.1;

const ENGINE_NAMES = { vllm: 'vLLM', llamacpp: 'llama.cpp' } as const;

/**
 * A point's mean time per request in the server's queue, prefill and decode, from its
 * `serverMetrics` histograms, beside the client's mean TTFT and E2EL. A point whose server did not
 * time all three phases, or timed no request, is not available, with the reason: never zeros.
 */
export function phaseBreakdown(point: PointResult, label = pointLabel(point)): PhaseBreakdown {
  const name = { test: point.test, label };
  const m = point.serverMetrics;
  const unavailable = (reason: string): PhaseBreakdown => ({ ...name, available: false, reason });
  if (!m) return unavailable("the server's /metrics was not scraped for this point");
  if (!m.available) return unavailable(`no server metrics: ${m.reason ?? 'no reason given'}`);
  if (m.engine === 'llamacpp') {
    return unavailable(
      'llama.cpp does not time requests by phase (its /metrics has prompt and generation seconds in total, no queue time)',
    );
  }
  const missing = PHASES.filter((p) => !m.histograms[PHASE_HISTOGRAMS[p]]);
  if (missing.length === PHASES.length) {
    const engine = m.engine ? ENGINE_NAMES[m.engine] : 'the server';
    return unavailable(`${engine} reports no queue, prefill or decode time histograms`);
  }
  if (missing.length > 0) return unavailable(`the server reports no ${list(missing)} time histogram`);

  const histograms = PHASES.map((p) => [p, m.histograms[PHASE_HISTOGRAMS[p]] as ServerHistogram] as const);
  const empty = histograms.filter(([, h]) => h.count <= 0 || h.meanMs === null);
  if (empty.length > 0) {
    return unavailable(
      `no request finished during the server's window (${list(empty.map(([p]) => p))} time: 0 observations)`,
    );
  }
  const negative = histograms.filter(([, h]) => (h.meanMs as number) < 0 || !Number.isFinite(h.meanMs));
  if (negative.length > 0) {
    const what = negative.map(([p, h]) => `${p} ${formatMs(h.meanMs as number)} ms`).join(', ');
    return unavailable(`the server's mean phase time is not a duration (${what})`);
  }
  const totalMs = histograms.reduce((a, [, h]) => a + (h.meanMs as number), 0);
  if (!(totalMs > 0)) return unavailable("the server's queue, prefill and decode times are all 0 ms");

  const phases = Object.fromEntries(
    histograms.map(([p, h]) => [
      p,
      { count: h.count, meanMs: h.meanMs as number, share: (h.meanMs as number) / totalMs, source: h.source },
    ]),
  ) as Record<Phase, PhaseTime>;
  // A window cut short by a failed scrape times other requests than the client's: no cross-check.
  const skip = m.reason ? `the server's window differs from the client's: ${m.reason}` : null;
  return {
    ...name,
    available: true,
    engine: m.engine,
    phases,
    totalMs,
    ttft: crossCheck(point, 'mean_ttft_ms', phases.queue.meanMs + phases.prefill.meanMs, skip),
    e2el: crossCheck(point, 'mean_e2el_ms', totalMs, skip),
    ...(m.reason ? { note: m.reason } : {}),
  };
}

function crossCheck(
  point: PointResult,
  clientKey: string,
  serverMs: number,
  skip: string | null,
): PhaseCrossCheck {
  if (skip) return { compared: false, clientKey, serverMs, reason: skip };
  const clientMs = metric(point, clientKey);
  if (clientMs === null) {
    return { compared: false, clientKey, serverMs, reason: `the client's summary has no ${clientKey}` };
  }
  const gapMs = clientMs - serverMs;
  return {
    compared: true,
    clientKey,
    clientMs,
    serverMs,
    gapMs,
    relativeGap: clientMs === 0 ? null : gapMs / clientMs,
    close: Math.abs(gapMs) <= Math.max(GAP_CLOSE_MS, GAP_CLOSE_FRACTION * Math.abs(clientMs)),
  };
}

/** "10 offered req/s" from x and xLabel; the test name without an x. */
export function pointLabel(point: PointResult): string {
  if (point.x === null || !Number.isFinite(point.x)) return point.test;
  const value = String(Number.parseFloat(point.x.toPrecision(6)));
  return point.xLabel ? `${value} ${point.xLabel}` : `x = ${value}`;
}

/** Every point's breakdown, labelled by x where that tells the points apart, else by test name. */
export function phaseBreakdowns(points: readonly PointResult[]): PhaseBreakdown[] {
  const labels = points.map(pointLabel);
  const distinct = new Set(labels).size === labels.length;
  return points.map((p, i) => phaseBreakdown(p, distinct ? (labels[i] as string) : p.test));
}

const list = (items: readonly string[]) =>
  items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;

/** A share in whole percent; a phase that took some time never reads 0 %. */
const share = (fraction: number) => (fraction > 0 && fraction < 0.005 ? '<1%' : formatPercent(fraction, 0));

/** `+3.6 (+12.0%)`, with ⚠️ when the gap is not close. */
function gapCell(c: PhaseCrossCheck): string {
  if (!c.compared) return '—';
  const sign = c.gapMs > 0 && formatMs(c.gapMs) !== '0.0' ? '+' : '';
  const rel = c.relativeGap === null ? '' : ` (${sign}${formatPercent(c.relativeGap)})`;
  return `${sign}${formatMs(c.gapMs)}${rel}${c.close ? '' : ' ⚠️'}`;
}

const versus = (c: PhaseCrossCheck) =>
  c.compared ? `${formatMs(c.serverMs)} vs ${formatMs(c.clientMs)}` : `${formatMs(c.serverMs)} vs —`;

/**
 * The experiment's "Phase breakdown (server)" section: per point the mean time per request in
 * queue, prefill and decode, their shares, and the cross-check with the client's TTFT and E2EL;
 * then why a point has none and which gaps are not close. Empty when no point has a breakdown.
 */
export function renderPhaseBreakdown(breakdowns: readonly PhaseBreakdown[]): string {
  const available = breakdowns.filter((b) => b.available);
  if (available.length === 0) return '';
  const lines = [
    "**Phase breakdown (server):** each request's mean time in the server's queue, prefill and decode " +
      "(its request-phase histograms) and their shares, beside the client's mean TTFT and E2EL; the gap " +
      '(client − server) is time outside those phases: HTTP, tokenisation, network, the client ' +
      `(⚠️ past ${GAP_CLOSE_MS} ms and ${formatPercent(GAP_CLOSE_FRACTION, 0)}; docs/server-metrics.md):`,
    '',
    '| point | requests | queue (ms) | prefill (ms) | decode (ms) | queue / prefill / decode | queue + prefill vs client TTFT (ms) | TTFT gap (ms) | total vs client E2EL (ms) | E2EL gap (ms) |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  const notes: string[] = [];
  for (const b of breakdowns) {
    const name = `**${escapeMarkdown(b.label)}**`;
    if (!b.available) {
      notes.push(`- ${name}: not available: ${escapeMarkdown(b.reason)}`);
      continue;
    }
    const { queue, prefill, decode } = b.phases;
    const shares = PHASES.map((p) => share(b.phases[p].share)).join(' / ');
    const values = [
      escapeMarkdown(b.label),
      fixed(Math.max(queue.count, prefill.count, decode.count), 0),
      formatMs(queue.meanMs),
      formatMs(prefill.meanMs),
      formatMs(decode.meanMs),
      shares,
      versus(b.ttft),
      gapCell(b.ttft),
      versus(b.e2el),
      gapCell(b.e2el),
    ];
    lines.push(`| ${values.map(cell).join(' | ')} |`);
    if (b.note) notes.push(`- ${name}: ${escapeMarkdown(b.note)}`);
    for (const [what, c] of [
      ['TTFT', b.ttft],
      ['E2EL', b.e2el],
    ] as const) {
      if (!c.compared) {
        if (!b.note) notes.push(`- ${name}: ${what} not compared: ${escapeMarkdown(c.reason)}`);
      } else if (!c.close) {
        notes.push(`- ⚠️ ${name}: ${gapNote(what, c)}`);
      }
    }
  }
  if (notes.length > 0) lines.push('', ...notes);
  return lines.join('\n');
}

function gapNote(what: 'TTFT' | 'E2EL', c: Extract<PhaseCrossCheck, { compared: true }>): string {
  const server = what === 'TTFT' ? 'queue + prefill' : 'queue + prefill + decode';
  const measured = `the client's mean ${what} ${formatMs(c.clientMs)} ms vs the server's ${server} ${formatMs(c.serverMs)} ms`;
  return c.gapMs > 0
    ? `${measured}: ${formatMs(c.gapMs)} ms per request went outside the server's phases (HTTP and tokenisation in the server's front end, the network, or a busy load client)`
    : `${measured}: the server's phases take longer than the client waited, so they timed other requests (warm-up requests, ones cut off at the window's edges) or the clocks disagree`;
}

/** The stacked bar chart of an experiment's breakdowns (one bar per point); null when none is available. */
export function phaseChart(
  experiment: string,
  breakdowns: readonly PhaseBreakdown[],
  simulated: boolean,
): StackedBarChartOptions | null {
  if (!breakdowns.some((b) => b.available)) return null;
  return {
    // What the chart shows first: a long experiment name is what gets cut.
    title: `Server time per request by phase · ${experiment}`,
    valueLabel: 'mean time per request (ms), server total after each bar',
    unit: 'ms',
    segments: PHASES.map((p) => ({ name: p, colour: PHASE_COLOURS[p] })),
    marks: [{ name: 'client mean TTFT' }, { name: 'client mean E2EL' }],
    bars: breakdowns.map((b) =>
      b.available
        ? {
            label: b.label,
            values: PHASES.map((p) => b.phases[p].meanMs),
            marks: [b.ttft, b.e2el].map((c) => (c.compared ? c.clientMs : Number.NaN)),
          }
        : { label: b.label, values: [], missing: `not available: ${b.reason}` },
    ),
    ...(simulated ? { watermark: 'SIMULATED' } : {}),
  };
}
