import { z } from 'zod';
import { parseConfig } from '../config/parse.ts';
import { ConfigError } from '../core/errors.ts';
import { percentileKey } from '../metrics/summarize.ts';
import type { SloCheck } from '../report/schema.ts';
import { otherLatencyVariant } from '../report/summary-values.ts';

/** The statistics an SLO may limit; a typo (`p98`) is a type error and a clear runtime error. */
export const sloStatistics = ['mean', 'median', 'p50', 'p75', 'p90', 'p95', 'p99', 'p99.9'] as const;

const limitError = 'expected a latency limit in ms > 0';
const statLimits = z.strictObject(
  Object.fromEntries(
    sloStatistics.map((stat) => [
      stat,
      z.number({ error: limitError }).positive({ error: limitError }).optional(),
    ]),
  ) as Record<(typeof sloStatistics)[number], z.ZodOptional<z.ZodNumber>>,
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown statistic ${issue.keys.map((k) => `'${k}'`).join(', ')}; expected one of ${sloStatistics.join(', ')}`
        : undefined,
  },
);

/**
 * SLO targets: latency limits in ms by statistic (`mean`, `median`, `p50` ... `p99.9`),
 * the largest failed-request share, and the smallest throughput/goodput (req/s).
 * `latency` says where TTFT and E2EL start: 'queued' (default) at the scheduled send, so time a
 * request waited in the client behind `maxConcurrency` counts, as its user would feel it;
 * 'sent' at the actual send, vLLM bench's TTFT and E2EL. TPOT and ITL are the same either way.
 */
export const sloSchema = z.strictObject({
  latency: z.enum(['queued', 'sent']).default('queued'),
  ttft: statLimits.optional(),
  tpot: statLimits.optional(),
  itl: statLimits.optional(),
  e2el: statLimits.optional(),
  errorRate: z.number().min(0).max(1).optional(),
  minThroughput: z.number().positive().optional(),
  minGoodput: z.number().positive().optional(),
});
export type Slo = z.input<typeof sloSchema>;

/** Every limit of the SLO against a run summary; higher-is-better limits are minimums. */
export function checkSlo(sloInput: Slo, summary: Record<string, unknown>): SloCheck[] {
  const slo = parseConfig(sloSchema, sloInput, 'SLO');
  const ci95 = (summary.ci95 ?? {}) as Record<string, [number, number]>;
  const checks: SloCheck[] = [];
  for (const metric of ['ttft', 'tpot', 'itl', 'e2el'] as const) {
    const name =
      slo.latency === 'queued' && (metric === 'ttft' || metric === 'e2el') ? `queued_${metric}` : metric;
    for (const [stat, limit] of Object.entries(slo[metric] ?? {})) {
      const prefix =
        stat === 'mean' || stat === 'median' ? stat : percentileKey(Number(stat.replace(/^p/, '')));
      const key = `${prefix}_${name}_ms`;
      const measured = summary[key];
      if (typeof measured !== 'number') {
        const add =
          stat === 'mean' || stat === 'median'
            ? `add '${metric}' to the profile's percentileMetrics`
            : `add ${stat.replace(/^p/, '')} to the profile's percentiles (and '${metric}' to its percentileMetrics)`;
        throw new ConfigError(`SLO ${metric}.${stat}: '${key}' was not computed for this run; ${add}`, add);
      }
      checks.push({
        metric: key,
        limit: limit as number,
        measured,
        ci: ci95[key] ?? null,
        pass: measured <= (limit as number),
      });
    }
  }
  const completed = Number(summary.completed ?? 0);
  const failed = Number(summary.failed ?? 0);
  if (slo.errorRate !== undefined) {
    const rate = completed + failed > 0 ? failed / (completed + failed) : 1;
    checks.push({
      metric: 'error_rate',
      limit: slo.errorRate,
      measured: rate,
      ci: null,
      pass: rate <= slo.errorRate,
    });
  }
  const minimums = [
    ['request_throughput', slo.minThroughput],
    ['request_goodput', slo.minGoodput],
  ] as const;
  for (const [key, limit] of minimums) {
    if (limit === undefined) continue;
    const measured = Number(summary[key] ?? 0);
    checks.push({ metric: key, limit, measured, ci: null, pass: measured >= limit });
  }
  return checks;
}

/**
 * The checks as a table; with the run's summary, a line after it gives the TTFT/E2EL variant that
 * was not judged (send-based beside queue-inclusive, or the reverse), so both are in view.
 */
export function formatSloTable(checks: readonly SloCheck[], summary: Record<string, unknown> = {}): string {
  const rows = checks.map((c) => {
    const isMinimum = c.metric === 'request_throughput' || c.metric === 'request_goodput';
    const unit = c.metric === 'error_rate' ? '' : isMinimum ? ' req/s' : ' ms';
    const fmt = (x: number) =>
      c.metric === 'error_rate' ? `${(100 * x).toFixed(2)}%` : `${x.toFixed(2)}${unit}`;
    const ci = c.ci ? `[${c.ci[0].toFixed(1)}, ${c.ci[1].toFixed(1)}]` : '';
    return [
      c.metric,
      `${isMinimum ? '>=' : '<='} ${fmt(c.limit)}`,
      fmt(c.measured),
      ci,
      c.pass ? 'ok' : 'FAIL',
    ];
  });
  const header = ['metric', 'target', 'measured', '95% CI', 'verdict'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const table = [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i] as number)).join('  '));
  const others = checks.flatMap((c) => {
    const other = otherLatencyVariant(c.metric);
    const value = other === null ? undefined : summary[other];
    return typeof value === 'number' ? [`${other} ${value.toFixed(2)} ms`] : [];
  });
  if (others.length > 0) {
    const which = checks.some((c) => c.metric.includes('_queued_'))
      ? "vLLM's send-based values"
      : 'queue-inclusive values';
    table.push(`not judged, ${which}: ${others.join(', ')}`);
  }
  return table.join('\n');
}
