import { type BenchmarkSummary, percentileKey } from '../metrics/summarize.ts';
import type { ReportedMetric } from './client-queue.ts';

const WIDTH = 50;
/** Section title and metric name, as vLLM prints them. */
const metricTitles: Record<ReportedMetric, [string, string]> = {
  ttft: ['Time to First Token', 'TTFT'],
  tpot: ['Time per Output Token (excl. 1st token)', 'TPOT'],
  itl: ['Inter-token Latency', 'ITL'],
  e2el: ['End-to-end Latency', 'E2EL'],
  client_queue_time: ['Client-side Queueing', 'Client Queue Time'],
  e2el_including_client_queue: ['Queue-inclusive End-to-end Latency', 'E2EL incl. Client Queue'],
};

const line = (label: string, value: string | number) =>
  `${label.padEnd(WIDTH - 10)}${typeof value === 'number' ? formatNumber(value) : value}`;
const rule = (title: string, fill: string) =>
  ` ${title} `.padStart((WIDTH + title.length + 2) / 2, fill).padEnd(WIDTH, fill);
const formatNumber = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/**
 * The summary in `vllm bench serve`'s layout, plus our validity and client lines. A metric
 * whose keys are not in `s` (a queue metric that does not apply) is skipped.
 */
export function renderSummaryTable(
  s: BenchmarkSummary,
  metrics: readonly ReportedMetric[],
  percentiles: readonly number[],
): string {
  const out = [
    rule('Serving Benchmark Result', '='),
    line('Successful requests:', s.completed),
    line('Failed requests:', s.failed),
    line('Benchmark duration (s):', s.duration),
    line('Total input tokens:', s.total_input_tokens),
    line('Total generated tokens:', s.total_output_tokens),
    line('Request throughput (req/s):', s.request_throughput),
  ];
  if (s.request_goodput !== null) out.push(line('Request goodput (req/s):', s.request_goodput));
  out.push(
    line('Output token throughput (tok/s):', s.output_throughput),
    line('Peak output token throughput (tok/s):', s.max_output_tokens_per_s),
    line('Peak concurrent requests:', s.max_concurrent_requests),
    line('Total token throughput (tok/s):', s.total_token_throughput),
  );
  for (const metric of metrics) {
    if (!(`mean_${metric}_ms` in s)) continue;
    const [title, name] = metricTitles[metric];
    out.push(rule(title, '-'));
    out.push(line(`Mean ${name} (ms):`, s[`mean_${metric}_ms`] as number));
    out.push(line(`Median ${name} (ms):`, s[`median_${metric}_ms`] as number));
    for (const p of percentiles) {
      const key = percentileKey(p);
      const ci = s.ci95[`${key}_${metric}_ms`];
      const value = formatNumber(s[`${key}_${metric}_ms`] as number);
      out.push(
        line(
          `P${key.slice(1)} ${name} (ms):`,
          ci ? `${value} [${formatNumber(ci[0])}, ${formatNumber(ci[1])}]` : value,
        ),
      );
    }
  }
  out.push(rule('Client', '-'));
  out.push(
    line(
      'Send lateness p99 / max (ms):',
      `${formatNumber(s.client_lateness_p99_ms)} / ${formatNumber(s.client_lateness_max_ms)}`,
    ),
  );
  for (const [code, n] of Object.entries(s.failures)) out.push(line(`Failures ${code}:`, n));
  out.push(line('Valid:', s.valid ? 'yes' : 'NO'));
  for (const reason of s.invalid_reasons) out.push(`  ! ${reason}`);
  // How counts were made where the server did not make them (summaries written before notes have none).
  for (const note of s.notes ?? []) out.push(`  i ${note}`);
  out.push('='.repeat(WIDTH));
  return out.join('\n');
}
