import type { ServerCounterField, ServerEngine, ServerGaugeField, ServerHistogramField } from './schema.ts';

/**
 * Which metric names of which engine stand for each engine-neutral field. Per engine, a list of
 * names: the first one the server has is used (newer names first, then the ones they replaced).
 * vLLM: vllm/v1/metrics/loggers.py (prometheus_client adds `_total` to counters); llama.cpp:
 * tools/server/server-task.cpp, `server_task_result_metrics::to_metrics` (`llama-server --metrics`).
 */
export type EngineNames = Partial<Record<ServerEngine, readonly string[]>>;

/** How one scrape's series of a gauge (one per engine of a data-parallel vLLM) make one value. */
export type Across = 'sum' | 'mean' | 'max';

export interface CounterName {
  field: ServerCounterField;
  names: EngineNames;
}

export interface GaugeName {
  field: ServerGaugeField;
  across: Across;
  names: EngineNames;
}

export interface HistogramName {
  field: ServerHistogramField;
  names: EngineNames;
}

export const COUNTER_NAMES: readonly CounterName[] = [
  // llama.cpp's excludes prompt tokens reused from its cache; vLLM's counts every prefilled token.
  {
    field: 'promptTokens',
    names: { vllm: ['vllm:prompt_tokens_total'], llamacpp: ['llamacpp:prompt_tokens_total'] },
  },
  {
    field: 'cachedPromptTokens',
    names: {
      vllm: [
        'vllm:prompt_tokens_cached_total',
        'vllm:prefix_cache_hits_total',
        'vllm:gpu_prefix_cache_hits_total',
      ],
      llamacpp: ['llamacpp:prompt_tokens_cached_total'],
    },
  },
  {
    field: 'generationTokens',
    names: { vllm: ['vllm:generation_tokens_total'], llamacpp: ['llamacpp:tokens_predicted_total'] },
  },
  // Summed over finished_reason (stop, length, abort, ...).
  { field: 'requestsFinished', names: { vllm: ['vllm:request_success_total'] } },
  { field: 'preemptions', names: { vllm: ['vllm:num_preemptions_total'] } },
  { field: 'promptSeconds', names: { llamacpp: ['llamacpp:prompt_seconds_total'] } },
  { field: 'generationSeconds', names: { llamacpp: ['llamacpp:tokens_predicted_seconds_total'] } },
  { field: 'decodeCalls', names: { llamacpp: ['llamacpp:n_decode_total'] } },
];

export const GAUGE_NAMES: readonly GaugeName[] = [
  {
    field: 'requestsRunning',
    across: 'sum',
    names: { vllm: ['vllm:num_requests_running'], llamacpp: ['llamacpp:requests_processing'] },
  },
  {
    field: 'requestsWaiting',
    across: 'sum',
    names: { vllm: ['vllm:num_requests_waiting'], llamacpp: ['llamacpp:requests_deferred'] },
  },
  // A fraction (1 = full); engines of a data-parallel server have equal caches, so their mean.
  {
    field: 'kvCacheUsage',
    across: 'mean',
    names: { vllm: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'] },
  },
  // llama.cpp: an average since the server started, not over the point.
  { field: 'busySlotsPerDecode', across: 'max', names: { llamacpp: ['llamacpp:n_busy_slots_per_decode'] } },
  // llama.cpp: averaged between two scrapes (each scrape restarts them).
  { field: 'promptTokensPerS', across: 'sum', names: { llamacpp: ['llamacpp:prompt_tokens_seconds'] } },
  {
    field: 'generationTokensPerS',
    across: 'sum',
    names: { llamacpp: ['llamacpp:predicted_tokens_seconds'] },
  },
];

/** Latency histograms in seconds (llama.cpp has none). */
export const HISTOGRAM_NAMES: readonly HistogramName[] = [
  { field: 'ttft', names: { vllm: ['vllm:time_to_first_token_seconds'] } },
  {
    field: 'itl',
    names: { vllm: ['vllm:inter_token_latency_seconds', 'vllm:time_per_output_token_seconds'] },
  },
  { field: 'tpot', names: { vllm: ['vllm:request_time_per_output_token_seconds'] } },
  { field: 'e2el', names: { vllm: ['vllm:e2e_request_latency_seconds'] } },
  { field: 'queueTime', names: { vllm: ['vllm:request_queue_time_seconds'] } },
  { field: 'prefillTime', names: { vllm: ['vllm:request_prefill_time_seconds'] } },
  { field: 'decodeTime', names: { vllm: ['vllm:request_decode_time_seconds'] } },
  { field: 'inferenceTime', names: { vllm: ['vllm:request_inference_time_seconds'] } },
];

const HISTOGRAM_SUFFIXES = ['_bucket', '_count', '_sum'] as const;

/** Every sample name the scraper keeps (histograms as their _bucket, _count and _sum). */
export const KNOWN_SAMPLE_NAMES: ReadonlySet<string> = new Set([
  ...[...COUNTER_NAMES, ...GAUGE_NAMES].flatMap((d) => Object.values(d.names).flat()),
  ...HISTOGRAM_NAMES.flatMap((d) =>
    Object.values(d.names).flatMap((names) =>
      names.flatMap((n) => HISTOGRAM_SUFFIXES.map((s) => `${n}${s}`)),
    ),
  ),
]);

/** The engine whose names a page's (known) sample names are, by prefix; null for none. */
export function engineOf(names: Iterable<string>): ServerEngine | null {
  let vllm = 0;
  let llamacpp = 0;
  for (const name of names) {
    if (name.startsWith('vllm:')) vllm++;
    else if (name.startsWith('llamacpp:')) llamacpp++;
  }
  if (vllm === 0 && llamacpp === 0) return null;
  return vllm >= llamacpp ? 'vllm' : 'llamacpp';
}
