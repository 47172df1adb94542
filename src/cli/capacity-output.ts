import {
  type CapacityProbe,
  type CapacityResult,
  type ObjectiveVerdict,
  phaseLabel,
} from '../capacity/result.ts';
import { stopReasonWords } from '../capacity/stop-reasons.ts';

type Variable = CapacityResult['variable'];

const unitOf = (variable: Variable) => (variable === 'concurrency' ? 'users' : 'req/s');

/** A load as people read it: whole users; rates to 3 significant digits, whole from 100 up. */
export function formatLoad(load: number | null, variable: Variable = 'request-rate'): string {
  if (load === null) return '-';
  if (load === Number.POSITIVE_INFINITY) return 'inf';
  if (variable === 'concurrency' || Math.abs(load) >= 100) return String(Math.round(load));
  return String(Number(load.toPrecision(3)));
}

const pct = (share: number) => String(Number((100 * share).toFixed(1)));
const share = (value: number, ci: readonly [number, number]) =>
  `${pct(value)} % [${pct(ci[0])}, ${pct(ci[1])}]`;

/**
 * One objective's measurement with its interval. Shares (attainment, error rate) as percent;
 * a percentile limit as its value in ms and the share of requests within the limit.
 */
export function formatObjective(o: ObjectiveVerdict): string {
  if (o.objective === 'attainment' || o.objective === 'error_rate') return share(o.measured, o.ci);
  const within = o.ci[0] === o.ci[1] ? `${pct(o.ci[0])} %` : `${pct(o.ci[0])}-${pct(o.ci[1])} %`;
  return `${Number(o.measured.toFixed(1))} ms (${within} within)`;
}

const objectiveName = (objective: string) =>
  objective === 'error_rate' ? 'errors' : objective.replace(/_ms$/, '');

/** The progress line of one probe, on stderr as the search goes. */
export function probeLine(p: CapacityProbe, variable: Variable): string {
  const judged = p.objectives.map((o) => `${objectiveName(o.objective)} ${formatObjective(o)}`);
  const detail = p.verdict === 'invalid' ? `invalid: ${p.invalidReasons.join('; ')}` : judged.join(', ');
  return (
    `probe ${p.index} (${phaseLabel(p)}): ${formatLoad(p.load, variable)} ${unitOf(variable)} -> ${p.verdict}` +
    `${detail ? `; ${detail}` : ''} (${p.judgedRequests} requests judged)`
  );
}

/** Whether the search ended with an answer (exit 0) or not (exit 2). */
export function hasAnswer(r: CapacityResult): boolean {
  if (r.probes.every((p) => p.verdict === 'invalid')) return false;
  if (r.mode === 'confirm') return r.stop_reason === 'confirmed';
  return r.max_passing !== null;
}

/**
 * The answer, first on stdout: "Max request rate under SLO (p99 TTFT <= 200 ms): 13.6 req/s,
 * bracket [13.2, 13.9] (4.5 % precision, 6 probes); knee 14.1 req/s".
 */
export function answerLine(r: CapacityResult): string {
  const unit = unitOf(r.variable);
  const load = (n: number | null) => `${formatLoad(n, r.variable)} ${unit}`;
  const name = r.variable === 'concurrency' ? 'concurrency' : 'request rate';
  const probes = `${r.probes.length} probe${r.probes.length === 1 ? '' : 's'}`;
  // A bracket within the precision asked says so itself ("4.5 % precision"); a confirmation never stops short.
  const stop = r.stop_reason === 'precision' ? '' : stopReasonWords[r.stop_reason];
  if (r.probes.length > 0 && r.probes.every((p) => p.verdict === 'invalid')) {
    return `No answer (${r.slo}): every probe was invalid (${probes}); the reasons are above`;
  }
  if (r.mode === 'confirm') {
    const at = r.probes[0]?.load ?? r.max_passing ?? r.min_failing;
    const held = r.stop_reason === 'confirmed';
    return `${capitalize(name)} ${load(at)} ${held ? 'meets' : 'does not meet'} the SLO (${r.slo}) (${probes})`;
  }
  if (r.max_passing === null) {
    const lowest = Math.min(...r.probes.map((p) => p.load));
    return (
      `No ${name} meets the SLO (${r.slo}): ` +
      `${r.min_failing === null ? 'no probe passed' : `fails down to ${load(lowest)}`} (${probes}${stop ? `; ${stop}` : ''})`
    );
  }
  const head = `Max ${name} under SLO (${r.slo}): `;
  const knee = r.knee === null ? '' : `; knee ${load(r.knee)}`;
  if (r.min_failing === null) {
    return `${head}at least ${load(r.max_passing)}, no load tried failed (${probes}${stop ? `; ${stop}` : ''})${knee}`;
  }
  // "precision" when the bracket got as narrow as asked; else how wide it was left.
  const gap =
    r.gap === null
      ? ''
      : r.stop_reason === 'precision'
        ? `${pct(r.gap)} % precision, `
        : `gap ${pct(r.gap)} %, `;
  return (
    `${head}${load(r.max_passing)}, bracket [${formatLoad(r.max_passing, r.variable)}, ` +
    `${formatLoad(r.min_failing, r.variable)}] (${gap}${probes}${stop ? `; ${stop}` : ''})${knee}`
  );
}

const capitalize = (s: string) => `${s[0]?.toUpperCase() ?? ''}${s.slice(1)}`;

/** Every load run: load, requests judged, achieved offered rate, throughput, each objective, verdict. */
export function probesTable(r: CapacityResult): string {
  const objectives = [...new Set(r.probes.flatMap((p) => p.objectives.map((o) => o.objective)))];
  const header = [
    '#',
    'phase',
    r.variable === 'concurrency' ? 'users' : 'load req/s',
    'judged',
    'offered req/s',
    'done req/s',
    ...objectives.map(objectiveName),
    'verdict',
  ];
  const rows = r.probes.map((p) => {
    const byName = new Map(p.objectives.map((o) => [o.objective, o]));
    return [
      String(p.index),
      phaseLabel(p),
      formatLoad(p.load, r.variable),
      String(p.judgedRequests),
      formatLoad(p.achievedOfferedRate),
      formatLoad(p.throughput),
      ...objectives.map((name) => {
        const o = byName.get(name);
        return o ? formatObjective(o) : '-';
      }),
      p.verdict,
    ];
  });
  return renderTable(header, rows);
}

/** Columns padded to their widest cell; the text ones (phase, verdict) left-aligned. */
function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const left = new Set([1, header.length - 1]);
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (left.has(i) ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
