import type { LoadProfile } from '../config/load-profile.ts';
import type { LoadResult } from '../load/run-load.ts';
import { requestLatencies } from '../metrics/per-request.ts';
import type { RequestRecord } from '../metrics/record.ts';
import { version } from '../version.ts';
import { clientQueueMs } from './client-queue.ts';

/** The traffic keys of vLLM's result file, read back from the load profile that ran. */
export interface Traffic {
  /** Infinity for vLLM's `inf` (also closed loop and ramps, as vLLM runs those); null if none applies. */
  requestRate: number | null;
  /** Infinity for evenly spaced arrivals (vLLM's `--burstiness inf`). */
  burstiness: number | null;
  maxConcurrency: number | null;
  ramp: { strategy: 'linear' | 'exponential'; startRps: number; endRps: number } | null;
}

export function trafficOf(profile: LoadProfile): Traffic {
  const a = profile.arrival;
  const cap = profile.maxConcurrency ?? null;
  switch (a.kind) {
    case 'poisson':
      return { requestRate: a.rate, burstiness: 1, maxConcurrency: cap, ramp: null };
    case 'gamma':
      return { requestRate: a.rate, burstiness: a.burstiness, maxConcurrency: cap, ramp: null };
    case 'constant':
      return { requestRate: a.rate, burstiness: Number.POSITIVE_INFINITY, maxConcurrency: cap, ramp: null };
    case 'infinite':
      return { requestRate: Number.POSITIVE_INFINITY, burstiness: 1, maxConcurrency: cap, ramp: null };
    // N users in a closed loop load the server as vLLM's `--request-rate inf --max-concurrency N`.
    case 'concurrency':
      return {
        requestRate: Number.POSITIVE_INFINITY,
        burstiness: 1,
        maxConcurrency: a.concurrency,
        ramp: null,
      };
    case 'ramp':
      return {
        requestRate: Number.POSITIVE_INFINITY,
        burstiness: a.burstiness,
        maxConcurrency: cap,
        ramp: { strategy: a.curve, startRps: a.startRate, endRps: a.endRate },
      };
    default:
      return { requestRate: null, burstiness: null, maxConcurrency: cap, ramp: null };
  }
}

/** vLLM's first keys of a result file, in its order (`--metadata` pairs come after them). */
export const headerKeys = (head: ResultHeader) => ({
  date: head.date,
  endpoint_type: head.backend,
  backend: head.backend,
  label: head.label,
  model_id: head.modelId,
  tokenizer_id: head.tokenizerId,
});

export interface ResultHeader {
  date: string;
  backend: string;
  label: string | null;
  modelId: string;
  tokenizerId: string;
  metadata: Record<string, string>;
}

export interface ResultBody {
  /** vLLM's client-queue statistics (see client-queue.ts), when they apply. */
  queueStats: Record<string, number>;
  /** vLLM's `--save-detailed`: per-request arrays. */
  detailed: boolean;
  /** The raw records file, relative to the result file. */
  rawRecordsFile: string;
}

const inf = (n: number | null) => (n === Number.POSITIVE_INFINITY ? 'inf' : n);

/**
 * vLLM's result file: `date`, `endpoint_type`, `backend`, `label`, `model_id`, `tokenizer_id`,
 * `num_prompts`, the `--metadata` pairs, the traffic keys, then the metrics; with
 * `--save-detailed` the per-request arrays. Our own keys follow (docs/metrics.md lists them all).
 */
export function resultDocument(result: LoadResult, head: ResultHeader, body: ResultBody) {
  const traffic = trafficOf(result.profile);
  return {
    ...headerKeys(head),
    num_prompts: result.profile.requests ?? null,
    ...head.metadata,
    request_rate: inf(traffic.requestRate),
    burstiness: inf(traffic.burstiness),
    max_concurrency: traffic.maxConcurrency,
    ...(traffic.ramp && {
      ramp_up_strategy: traffic.ramp.strategy,
      ramp_up_start_rps: traffic.ramp.startRps,
      ramp_up_end_rps: traffic.ramp.endRps,
    }),
    ...result.summary,
    ...body.queueStats,
    ...(body.detailed && perRequestArrays(result.records)),
    started_at: result.startedAt,
    servebench_version: version,
    arrival: result.profile.arrival,
    dataset: result.profile.dataset,
    client_workers: result.client.workers,
    client_event_loop_delay_p99_ms: result.client.eventLoopDelayP99Ms,
    prompt_tokens_estimated: result.client.promptTokensEstimated,
    raw_records_file: body.rawRecordsFile,
  };
}

/**
 * vLLM's per-request arrays, in request order, times in seconds as vLLM writes them; a failed
 * request has 0 output tokens and latency, and its error (an empty string on success). vLLM's
 * `generated_texts` is left out: the client does not keep response text.
 */
function perRequestArrays(records: readonly RequestRecord[]) {
  const measured = records.filter((r) => !r.warmup);
  const lat = measured.map(requestLatencies);
  const s = (ms: number) => ms / 1000;
  return {
    input_lens: measured.map((r) => r.prompt_tokens),
    output_lens: measured.map((r) => (r.ok ? r.output_tokens : 0)),
    ttfts: measured.map((r, i) => (r.chunk_ms.length > 0 ? s(lat[i]?.ttft ?? 0) : 0)),
    itls: lat.map((l) => l.itl.map(s)),
    latencies: measured.map((r, i) => (r.ok ? s(lat[i]?.e2el ?? 0) : 0)),
    start_times: measured.map((r) => s(r.sent_ms)),
    queue_times: measured.map((r) => s(clientQueueMs(r))),
    errors: measured.map((r) => r.error ?? ''),
  };
}
