import type { z } from 'zod';
import { type Arrival, type LoadProfileInput, loadProfileSchema } from '../config/load-profile.ts';
import { ConfigError } from '../core/errors.ts';
import { createRng } from '../core/rng.ts';
import type { DatasetSpecInput } from '../datasets/spec.ts';
import { planLoad, type SettingNames } from '../load/plan.ts';
import { latencyMetrics } from '../metrics/summarize.ts';
import { isQueueMetric, latencyMetricsOf, type QueueMetric, type ReportedMetric } from './client-queue.ts';
import type { RunFlags } from './run-options.ts';

/** vLLM runs 1000 prompts when none are given. */
const DEFAULT_NUM_PROMPTS = 1000;

/** The load profile a (checked: see flag-checks.ts) set of flags asks for. */
export function profileFromFlags(flags: RunFlags): LoadProfileInput {
  const profile: LoadProfileInput = {
    ...sharedProfileFromFlags(flags),
    arrival: arrivalFromFlags(flags),
    maxConcurrency: flags.maxConcurrency,
    requests: flags.numPrompts ?? (flags.duration === undefined ? DEFAULT_NUM_PROMPTS : undefined),
    durationS: flags.duration,
  };
  assertValid(loadProfileSchema, profile, 'run');
  // What the flags plan together (request count, run length, memory), checked before any wait.
  const parsed = loadProfileSchema.parse(profile);
  planLoad(parsed, createRng(parsed.seed).fork('arrivals'), flagNames);
  return profile;
}

/** The flags that set what the run plan checks, to name in its errors. */
const flagNames: SettingNames = {
  requests: '--num-prompts',
  warmupRequests: '--num-warmups',
  durationS: '--duration',
  arrival: '--request-rate (or --ramp-up-*)',
  dataset: '--dataset-name and its length flags',
};

/**
 * Everything but how much load and how it arrives: what `run` and every probe of `capacity`
 * share. Not validated here: the caller checks it with its own schema (see assertValid).
 */
export function sharedProfileFromFlags(
  flags: RunFlags,
): Omit<LoadProfileInput, 'arrival' | 'maxConcurrency' | 'requests' | 'durationS'> {
  const dataset = datasetFromFlags(flags);
  return {
    baseUrl:
      flags.baseUrl ?? `http://${flags.host.includes(':') ? `[${flags.host}]` : flags.host}:${flags.port}`,
    endpoint:
      flags.endpoint ?? (flags.backend === 'openai-chat' ? '/v1/chat/completions' : '/v1/completions'),
    model: flags.servedModelName ?? flags.model,
    warmupRequests: flags.numWarmups ?? flags.warmupRequests ?? 0,
    requestTimeoutS: flags.requestTimeout,
    seed: flags.seed,
    dataset,
    // vLLM always ignores EOS for its random dataset, so outputs have the asked-for length.
    ignoreEos: flags.ignoreEos ?? dataset.name === 'random',
    continuousUsageStats: flags.continuousUsageStats,
    // As vLLM: the sampling flags, then --extra-body over them.
    extraBody: { ...samplingParams(flags), ...flags.extraBody },
    headers: flags.header ?? {},
    goodput: flags.goodput,
    percentiles: flags.metricPercentiles,
    percentileMetrics: latencyMetricsOf(reportedMetricsOf(flags)),
    maxLatenessP99Ms: flags.maxLatenessMs,
    workers: flags.workers,
  };
}

/** `--percentile-metrics`, or by default every latency metric and, with a cap, the queue ones. */
export function reportedMetricsOf(flags: RunFlags): ReportedMetric[] {
  if (flags.percentileMetrics) return flags.percentileMetrics;
  return flags.maxConcurrency === undefined
    ? [...latencyMetrics]
    : [...latencyMetrics, 'client_queue_time', 'e2el_including_client_queue'];
}

/**
 * The queue metrics to report: only with `--max-concurrency`, and E2EL including the queue only
 * at a finite rate, as vLLM does.
 */
export function queueMetricsOf(flags: RunFlags): QueueMetric[] {
  if (flags.maxConcurrency === undefined) return [];
  return reportedMetricsOf(flags)
    .filter(isQueueMetric)
    .filter((m) => m === 'client_queue_time' || Number.isFinite(flags.requestRate));
}

function samplingParams(f: RunFlags): Record<string, number> {
  const params = {
    top_p: f.topP,
    top_k: f.topK,
    min_p: f.minP,
    temperature: f.temperature,
    frequency_penalty: f.frequencyPenalty,
    presence_penalty: f.presencePenalty,
    repetition_penalty: f.repetitionPenalty,
  };
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<
    string,
    number
  >;
}

function arrivalFromFlags(f: RunFlags): Arrival {
  if (f.concurrency !== undefined) return { kind: 'concurrency', concurrency: f.concurrency };
  if (f.rampUpStrategy) {
    return {
      kind: 'ramp',
      curve: f.rampUpStrategy,
      startRate: f.rampUpStartRps as number,
      endRate: f.rampUpEndRps as number,
      burstiness: f.burstiness,
    };
  }
  if (!Number.isFinite(f.requestRate)) return { kind: 'infinite' };
  if (f.arrival === 'constant' || f.burstiness === Number.POSITIVE_INFINITY) {
    return { kind: 'constant', rate: f.requestRate };
  }
  if (f.burstiness === 1) return { kind: 'poisson', rate: f.requestRate };
  return { kind: 'gamma', rate: f.requestRate, burstiness: f.burstiness };
}

function datasetFromFlags(f: RunFlags): DatasetSpecInput {
  const defined = <T extends object>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  // vLLM's generic --input-len / --output-len set the dataset's own length flags.
  const shuffle = !f.disableShuffle;
  switch (f.datasetName) {
    case 'sharegpt':
      return {
        name: 'sharegpt',
        path: f.datasetPath ?? '',
        shuffle,
        ...defined({ output_len: f.outputLen ?? f.sharegptOutputLen }),
      };
    case 'jsonl':
    case 'custom':
      return {
        name: 'jsonl',
        path: f.datasetPath ?? '',
        shuffle,
        ...defined({ output_len: f.outputLen ?? f.customOutputLen }),
      };
    case 'prefix_repetition':
    case 'prefix-repetition':
      return {
        name: 'prefix-repetition',
        ...defined({
          prefix_len: f.prefixRepetitionPrefixLen,
          suffix_len: f.prefixRepetitionSuffixLen,
          num_prefixes: f.prefixRepetitionNumPrefixes,
          output_len: f.outputLen ?? f.prefixRepetitionOutputLen,
        }),
      };
    default:
      return {
        name: 'random',
        ...defined({
          input_len: f.inputLen ?? f.randomInputLen,
          output_len: f.outputLen ?? f.randomOutputLen,
          range_ratio: f.randomRangeRatio,
          prefix_len: f.randomPrefixLen,
        }),
      };
  }
}

/** Profile fields and the flags that set them, to name in the (unexpected) case of a bad value. */
const flagsOfField: Record<string, string> = {
  baseUrl: '--base-url (or --host, --port)',
  endpoint: '--endpoint',
  model: '--model or --served-model-name',
  arrival: '--request-rate, --burstiness, --arrival, --ramp-up-* or --concurrency',
  maxConcurrency: '--max-concurrency',
  requests: '--num-prompts',
  durationS: '--duration',
  warmupRequests: '--num-warmups',
  requestTimeoutS: '--request-timeout',
  seed: '--seed',
  dataset: '--dataset-name and its options',
  extraBody: '--extra-body or the sampling flags',
  headers: '--header',
  goodput: '--goodput',
  percentiles: '--metric-percentiles',
  percentileMetrics: '--percentile-metrics',
  maxLatenessP99Ms: '--max-lateness-ms',
  workers: '--workers',
};

/**
 * The flag parsers and checks should leave nothing for the profile schema to reject; should
 * they miss a case, the error names the flags, never the schema's internal field paths.
 */
export function assertValid(
  schema: z.ZodType,
  value: object,
  command: string,
  flagsOf: Record<string, string> = flagsOfField,
): void {
  const result = schema.safeParse(value);
  if (result.success) return;
  const fields = [...new Set(result.error.issues.map((i) => String(i.path[0] ?? '')))];
  const flags = fields.map((field) => flagsOf[field] ?? field).join('; ');
  throw new ConfigError(
    `these flags do not make a valid ${command === 'run' ? 'run' : `${command} search`}: ${flags}`,
    `see 'servebench ${command} --help' for what each takes`,
  );
}
