import { requestLatencies } from '../metrics/per-request.ts';
import type { RequestRecord } from '../metrics/record.ts';
import { addStats, type LatencyMetric, latencyMetrics } from '../metrics/summarize.ts';

/**
 * vLLM's client-side queueing metrics (`--percentile-metrics client_queue_time,
 * e2el_including_client_queue`), which it reports when `--max-concurrency` is set: the time a
 * request waited in the client for a free slot, and E2EL with that wait added.
 */
export const queueMetrics = ['client_queue_time', 'e2el_including_client_queue'] as const;
export type QueueMetric = (typeof queueMetrics)[number];

/** Every metric name `--percentile-metrics` takes. */
export const reportedMetrics = [...latencyMetrics, ...queueMetrics] as const;
export type ReportedMetric = LatencyMetric | QueueMetric;

export const isQueueMetric = (m: ReportedMetric): m is QueueMetric =>
  (queueMetrics as readonly string[]).includes(m);

/** The latency metrics of a `--percentile-metrics` list (what `summarize` computes). */
export const latencyMetricsOf = (metrics: readonly ReportedMetric[]): LatencyMetric[] =>
  metrics.filter((m): m is LatencyMetric => !isQueueMetric(m));

/**
 * Milliseconds a request waited for a `--max-concurrency` slot: from when it was due (plus any
 * scheduling lateness, which vLLM also leaves out) to when it was sent.
 */
export function clientQueueMs(record: RequestRecord): number {
  return Math.max(0, record.sent_ms - record.scheduled_ms - (record.lateness_ms ?? 0));
}

/** mean/median/std/pNN of the chosen queue metrics over successful measured requests (vLLM keys). */
export function clientQueueStats(
  records: readonly RequestRecord[],
  metrics: readonly QueueMetric[],
  percentiles: readonly number[],
): Record<string, number> {
  const ok = records.filter((r) => r.ok && !r.warmup);
  const stats: Record<string, number> = {};
  if (metrics.includes('client_queue_time')) {
    addStats(stats, 'client_queue_time', ok.map(clientQueueMs), percentiles);
  }
  if (metrics.includes('e2el_including_client_queue')) {
    const values = ok.map((r) => requestLatencies(r).e2el + clientQueueMs(r));
    addStats(stats, 'e2el_including_client_queue', values, percentiles);
  }
  return stats;
}
