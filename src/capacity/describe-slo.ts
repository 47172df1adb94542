import type { CapacitySlo } from './spec.ts';

const pct = (share: number) => `${Number((100 * share).toFixed(2))} %`;

/**
 * The SLO in words, as the report's answer line states it:
 * "p99 TTFT <= 200 ms; 95 % of requests within TTFT 200 ms, TPOT 50 ms; errors <= 1 %".
 * Queue-inclusive latency is the default; vLLM's send-based one is named when judged.
 */
export function describeSlo(slo: CapacitySlo): string {
  const basis = slo.latency === 'sent' ? ' (from send)' : '';
  const parts: string[] = [];
  for (const [metric, limits] of Object.entries(slo.percentiles ?? {})) {
    for (const [stat, ms] of Object.entries(limits ?? {})) {
      if (ms !== undefined) parts.push(`${stat} ${metric.toUpperCase()}${basis} <= ${ms} ms`);
    }
  }
  const goodput = Object.entries(slo.goodput ?? {}).filter(([, ms]) => ms !== undefined);
  if (goodput.length > 0) {
    const limits = goodput.map(([metric, ms]) => `${metric.toUpperCase()} ${ms} ms`).join(', ');
    parts.push(`${pct(slo.attainment)} of requests within ${limits}${basis}`);
  }
  if (slo.maxErrorRate !== undefined) parts.push(`errors <= ${pct(slo.maxErrorRate)}`);
  return parts.join('; ');
}
