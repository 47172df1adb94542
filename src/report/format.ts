/** Number and text formatting shared by the Markdown tables and the SVG charts. */

const formatters = new Map<number, Intl.NumberFormat>();

/** `1234.5 -> "1,234.5"` with exactly `decimals` digits; en-US so output never depends on the host locale. */
export function fixed(value: number, decimals: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '∞' : '-∞';
  let f = formatters.get(decimals);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
    formatters.set(decimals, f);
  }
  // -0.0 reads as a sign error in a table.
  const text = f.format(value);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

export const formatMs = (ms: number) => fixed(ms, 1);
export const formatReqPerS = (rate: number) => fixed(rate, 2);
export const formatTokPerS = (rate: number) => fixed(rate, 1);
export const formatCount = (n: number) => fixed(n, 0);

/** A fraction as a percentage: `0.123 -> "12.3%"`. */
export const formatPercent = (fraction: number, decimals = 1) => `${fixed(100 * fraction, decimals)}%`;

/** A relative change with its sign: `0.123 -> "+12.3%"`, `-0.04 -> "-4.0%"`. */
export function formatChange(fraction: number, decimals = 1): string {
  const text = formatPercent(fraction, decimals);
  // No sign on a change that rounds to zero.
  return fraction > 0 && /[1-9]/.test(text) ? `+${text}` : text;
}

/** The unit a summary key is measured in, from vLLM bench's naming. */
export function metricUnit(metric: string): 'ms' | 'req/s' | 'tok/s' | '' {
  if (metric.endsWith('_ms')) return 'ms';
  if (metric === 'request_throughput' || metric === 'request_goodput') return 'req/s';
  if (metric.endsWith('_throughput') || metric.endsWith('tokens_per_s')) return 'tok/s';
  return '';
}

/** A value of a summary key in its unit's precision, without the unit. */
export function formatMetric(metric: string, value: number): string {
  switch (metricUnit(metric)) {
    case 'ms':
      return formatMs(value);
    case 'req/s':
      return formatReqPerS(value);
    case 'tok/s':
      return formatTokPerS(value);
    default:
      return Number.isInteger(value) ? formatCount(value) : fixed(value, 2);
  }
}

const latencyNames: Record<string, string> = {
  ttft: 'TTFT',
  tpot: 'TPOT',
  itl: 'ITL',
  e2el: 'E2EL',
  queued_ttft: 'queued TTFT',
  queued_e2el: 'queued E2EL',
  token_itl: 'per-token ITL',
};
const plainNames: Record<string, string> = {
  request_throughput: 'request throughput',
  request_goodput: 'goodput',
  output_throughput: 'output throughput',
  total_token_throughput: 'total token throughput',
  max_output_tokens_per_s: 'peak output throughput',
  completed: 'completed',
  failed: 'failed',
};

/** A readable name for a summary key: `p99_ttft_ms -> "p99 TTFT"`, `request_throughput -> "request throughput"`. */
export function metricLabel(metric: string): string {
  const latency = /^(mean|median|std|p\d+(?:\.\d+)?)_(.+)_ms$/.exec(metric);
  if (latency) {
    const [, stat, name] = latency as unknown as [string, string, string];
    return `${stat} ${latencyNames[name] ?? name}`;
  }
  return plainNames[metric] ?? metric.replaceAll('_', ' ');
}

/** Thousands or millions for tick labels, so "12,000" reads "12k". */
export type TickUnit = '' | 'k' | 'M';

/** The unit for an axis whose largest tick is `maxAbs`: k from 10,000, M from 10^7 (1,000 and 10^6 on log axes). */
export const tickUnitFor = (maxAbs: number, log = false): TickUnit =>
  maxAbs >= (log ? 1e6 : 1e7) ? 'M' : maxAbs >= (log ? 1e3 : 1e4) ? 'k' : '';

/** A tick label with the decimals `step` needs, in `unit`: `formatTick(12000, 2000, 'k') -> "12k"`. */
export function formatTick(value: number, step: number, unit: TickUnit = ''): string {
  if (value === 0) return '0';
  const divisor = unit === 'M' ? 1e6 : unit === 'k' ? 1e3 : 1;
  return `${fixed(value / divisor, decimalsFor(step / divisor))}${unit}`;
}

/** Decimals needed to tell ticks `step` apart: 0.25 -> 2, 5 -> 0. */
export function decimalsFor(step: number): number {
  if (!Number.isFinite(step) || step <= 0) return 0;
  for (let d = 0; d <= 10; d++) {
    const scaled = step * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return d;
  }
  return 10;
}

/** Duration between two ISO timestamps, e.g. "3 min 12 s"; empty when either does not parse. */
export function formatDuration(startIso: string, endIso: string): string {
  const ms = Date.parse(endIso) - Date.parse(startIso);
  if (!Number.isFinite(ms) || ms < 0) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
