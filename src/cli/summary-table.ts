import { type BenchmarkSummary, type LatencyMetric, percentileKey } from '../metrics/summarize.ts';

const WIDTH = 50;
const metricTitles: Record<LatencyMetric, string> = {
  ttft: 'Time to First Token',
  tpot: 'Time per Output Token (excl. 1st token)',
  itl: 'Inter-token Latency',
  e2el: 'End-to-end Latency',
};

const line = (label: string, value: string | number) =>
  `${label.padEnd(WIDTH - 10)}${typeof value === 'number' ? formatNumber(value) : value}`;
const rule = (title: string, fill: string) =>
  ` ${title} `.padStart((WIDTH + title.length + 2) / 2, fill).padEnd(WIDTH, fill);
const formatNumber = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/** The summary in `vllm bench serve`'s layout, plus our validity and client lines. */
export function renderSummaryTable(
  s: BenchmarkSummary,
  metrics: readonly LatencyMetric[],
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
    out.push(rule(metricTitles[metric], '-'));
    out.push(line(`Mean ${metric.toUpperCase()} (ms):`, s[`mean_${metric}_ms`] as number));
    out.push(line(`Median ${metric.toUpperCase()} (ms):`, s[`median_${metric}_ms`] as number));
    for (const p of percentiles) {
      const key = percentileKey(p);
      const ci = s.ci95[`${key}_${metric}_ms`];
      const value = formatNumber(s[`${key}_${metric}_ms`] as number);
      out.push(
        line(
          `P${key.slice(1)} ${metric.toUpperCase()} (ms):`,
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
  out.push('='.repeat(WIDTH));
  return out.join('\n');
}
