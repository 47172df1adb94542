import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { Arrival, LoadProfileInput } from '../config/load-profile.ts';
import type { DatasetSpecInput } from '../datasets/spec.ts';
import { type LoadResult, runLoad } from '../load/run-load.ts';
import { toJsonl } from '../metrics/record-files.ts';
import { defaultPercentiles, latencyMetrics } from '../metrics/summarize.ts';
import { writeFileAtomic } from '../report/write-atomic.ts';
import {
  goodputEntry,
  integer,
  metricList,
  nonNegativeInt,
  percentileList,
  positiveInt,
  positiveNumber,
  ratio,
  requestRate,
} from './flag-parsers.ts';
import { renderProgress } from './progress-line.ts';
import { renderSummaryTable } from './summary-table.ts';

/** `servebench run`: flag names are `vllm bench serve`'s wherever the meaning is the same. */
export function runCommand(): Command {
  return new Command('run')
    .description('drive an OpenAI-compatible server with load and report vLLM-compatible metrics')
    .option('--base-url <url>', 'server root, e.g. http://127.0.0.1:8000 (overrides --host/--port)')
    .option('--host <host>', 'server host', '127.0.0.1')
    .option('--port <port>', 'server port', positiveInt, 8000)
    .addOption(
      new Option('--backend <name>', 'API flavour')
        .choices(['vllm', 'openai', 'openai-chat'])
        .default('vllm'),
    )
    .option('--endpoint <path>', 'API path (default /v1/completions, /v1/chat/completions for openai-chat)')
    .option('--model <name>', 'model name (default: the first one /v1/models lists)')
    .addOption(
      new Option('--dataset-name <name>', 'dataset')
        .choices(['random', 'sharegpt', 'jsonl', 'custom', 'prefix_repetition', 'prefix-repetition'])
        .default('random'),
    )
    .option('--dataset-path <path>', 'file for sharegpt / jsonl datasets')
    .option('--num-prompts <n>', 'requests to measure', positiveInt)
    .option(
      '--duration <s>',
      'stop sending after this many seconds (with or without --num-prompts)',
      positiveNumber,
    )
    .option('--warmup-requests <n>', 'requests sent first and left out of the results', nonNegativeInt, 0)
    .option(
      '--request-rate <rps>',
      "requests/s, or 'inf' to send all at once",
      requestRate,
      Number.POSITIVE_INFINITY,
    )
    .option(
      '--burstiness <b>',
      'Gamma shape of arrivals: 1 = Poisson, larger = more regular',
      positiveNumber,
      1,
    )
    .addOption(
      new Option('--arrival <kind>', 'arrival process at --request-rate')
        .choices(['poisson', 'constant'])
        .default('poisson'),
    )
    .option('--concurrency <n>', 'closed loop: n users, each sending when its last request ends', positiveInt)
    .option('--max-concurrency <n>', 'cap on requests in flight', positiveInt)
    .addOption(
      new Option('--ramp-up-strategy <curve>', 'ramp the rate over the run').choices([
        'linear',
        'exponential',
      ]),
    )
    .option('--ramp-up-start-rps <rps>', 'ramp start rate', positiveNumber)
    .option('--ramp-up-end-rps <rps>', 'ramp end rate', positiveNumber)
    .option('--random-input-len <n>', 'random dataset: prompt tokens', positiveInt)
    .option('--random-output-len <n>', 'random dataset: output tokens', positiveInt)
    .option('--random-range-ratio <r>', 'random dataset: lengths vary by +-r', ratio)
    .option('--random-prefix-len <n>', 'random dataset: shared prefix tokens', nonNegativeInt)
    .option('--sharegpt-output-len <n>', 'sharegpt: fixed output length', positiveInt)
    .option('--custom-output-len <n>', 'jsonl: output length for lines without one', positiveInt)
    .option('--prefix-repetition-prefix-len <n>', 'prefix repetition: prefix tokens', nonNegativeInt)
    .option('--prefix-repetition-suffix-len <n>', 'prefix repetition: suffix tokens', nonNegativeInt)
    .option('--prefix-repetition-num-prefixes <n>', 'prefix repetition: distinct prefixes', positiveInt)
    .option('--prefix-repetition-output-len <n>', 'prefix repetition: output tokens', positiveInt)
    .option('--seed <n>', 'seed for arrivals and prompts', integer, 0)
    .option('--ignore-eos', 'ask the server to ignore EOS so output lengths are exact', false)
    .option('--goodput <key:ms...>', 'SLOs for goodput, e.g. ttft:200 tpot:50 e2el:2000', goodputEntry)
    .option('--percentile-metrics <list>', 'metrics with percentiles', metricList, [...latencyMetrics])
    .option('--metric-percentiles <list>', 'percentiles to report', percentileList, [...defaultPercentiles])
    .option('--request-timeout <s>', 'per-request timeout', positiveNumber, 300)
    .addOption(new Option('--workers <n>', "client threads, or 'auto'").default('auto'))
    .option('--max-lateness-ms <ms>', 'p99 send lateness above which the run is invalid', positiveNumber, 10)
    .option('--no-continuous-usage-stats', "don't ask for usage in every chunk")
    .option('--save-result', 'write the result JSON', false)
    .option('--result-dir <dir>', 'where result files go', '.')
    .option('--result-filename <name>', 'result JSON file name')
    .action(async (flags: RunFlags) => {
      const profile = profileFromFlags(flags);
      const result = await runLoad(profile, { onProgress: (p) => renderProgress(p) });
      process.stderr.write('\n');
      console.log(renderSummaryTable(result.summary, flags.percentileMetrics, flags.metricPercentiles));
      await saveFiles(result, flags);
      if (!result.summary.valid) process.exitCode = 2;
    });
}

interface RunFlags {
  baseUrl?: string;
  host: string;
  port: number;
  backend: 'vllm' | 'openai' | 'openai-chat';
  endpoint?: string;
  model?: string;
  datasetName: string;
  datasetPath?: string;
  numPrompts?: number;
  duration?: number;
  warmupRequests: number;
  requestRate: number;
  burstiness: number;
  arrival: 'poisson' | 'constant';
  concurrency?: number;
  maxConcurrency?: number;
  rampUpStrategy?: 'linear' | 'exponential';
  rampUpStartRps?: number;
  rampUpEndRps?: number;
  randomInputLen?: number;
  randomOutputLen?: number;
  randomRangeRatio?: number;
  randomPrefixLen?: number;
  sharegptOutputLen?: number;
  customOutputLen?: number;
  prefixRepetitionPrefixLen?: number;
  prefixRepetitionSuffixLen?: number;
  prefixRepetitionNumPrefixes?: number;
  prefixRepetitionOutputLen?: number;
  seed: number;
  ignoreEos: boolean;
  goodput?: LoadProfileInput['goodput'];
  percentileMetrics: LoadProfileInput['percentileMetrics'] & {};
  metricPercentiles: number[];
  requestTimeout: number;
  workers: string;
  maxLatenessMs: number;
  continuousUsageStats: boolean;
  saveResult: boolean;
  resultDir: string;
  resultFilename?: string;
}

/** vLLM runs 1000 prompts when none are given. */
const DEFAULT_NUM_PROMPTS = 1000;

export function profileFromFlags(flags: RunFlags): LoadProfileInput {
  const workers = flags.workers === 'auto' ? 'auto' : Number(flags.workers);
  return {
    baseUrl:
      flags.baseUrl ?? `http://${flags.host.includes(':') ? `[${flags.host}]` : flags.host}:${flags.port}`,
    endpoint:
      flags.endpoint ?? (flags.backend === 'openai-chat' ? '/v1/chat/completions' : '/v1/completions'),
    model: flags.model,
    arrival: arrivalFromFlags(flags),
    maxConcurrency: flags.maxConcurrency,
    requests: flags.numPrompts ?? (flags.duration === undefined ? DEFAULT_NUM_PROMPTS : undefined),
    durationS: flags.duration,
    warmupRequests: flags.warmupRequests,
    requestTimeoutS: flags.requestTimeout,
    seed: flags.seed,
    dataset: datasetFromFlags(flags),
    ignoreEos: flags.ignoreEos,
    continuousUsageStats: flags.continuousUsageStats,
    goodput: flags.goodput,
    percentiles: flags.metricPercentiles,
    percentileMetrics: flags.percentileMetrics,
    maxLatenessP99Ms: flags.maxLatenessMs,
    workers: workers as number | 'auto',
  };
}

function arrivalFromFlags(flags: RunFlags): Arrival {
  if (flags.concurrency !== undefined) return { kind: 'concurrency', concurrency: flags.concurrency };
  if (flags.rampUpStrategy) {
    return {
      kind: 'ramp',
      curve: flags.rampUpStrategy,
      startRate: flags.rampUpStartRps ?? Number.NaN,
      endRate: flags.rampUpEndRps ?? Number.NaN,
      burstiness: flags.burstiness,
    };
  }
  if (!Number.isFinite(flags.requestRate)) return { kind: 'infinite' };
  if (flags.arrival === 'constant') return { kind: 'constant', rate: flags.requestRate };
  if (flags.burstiness === 1) return { kind: 'poisson', rate: flags.requestRate };
  return { kind: 'gamma', rate: flags.requestRate, burstiness: flags.burstiness };
}

function datasetFromFlags(flags: RunFlags): DatasetSpecInput {
  const defined = <T extends object>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  switch (flags.datasetName) {
    case 'sharegpt':
      return {
        name: 'sharegpt',
        path: flags.datasetPath ?? '',
        ...defined({ output_len: flags.sharegptOutputLen }),
      };
    case 'jsonl':
    case 'custom':
      return {
        name: 'jsonl',
        path: flags.datasetPath ?? '',
        ...defined({ output_len: flags.customOutputLen }),
      };
    case 'prefix_repetition':
    case 'prefix-repetition':
      return {
        name: 'prefix-repetition',
        ...defined({
          prefix_len: flags.prefixRepetitionPrefixLen,
          suffix_len: flags.prefixRepetitionSuffixLen,
          num_prefixes: flags.prefixRepetitionNumPrefixes,
          output_len: flags.prefixRepetitionOutputLen,
        }),
      };
    default:
      return {
        name: 'random',
        ...defined({
          input_len: flags.randomInputLen,
          output_len: flags.randomOutputLen,
          range_ratio: flags.randomRangeRatio,
          prefix_len: flags.randomPrefixLen,
        }),
      };
  }
}

async function saveFiles(result: LoadResult, flags: RunFlags): Promise<void> {
  const stamp = result.startedAt.replace(/[-:]/g, '').replace(/\..*/, '');
  const rate = Number.isFinite(flags.requestRate) ? flags.requestRate : 'inf';
  const stem = (
    flags.resultFilename ?? `${flags.backend}-${rate}qps-${result.model.split('/').pop()}-${stamp}.json`
  ).replace(/\.json$/, '');
  const jsonlPath = join(flags.resultDir, `${stem}.jsonl`);
  await writeFileAtomic(jsonlPath, toJsonl(result.records));
  process.stderr.write(`raw records: ${jsonlPath}\n`);
  if (!flags.saveResult) return;
  const jsonPath = join(flags.resultDir, `${stem}.json`);
  await writeFileAtomic(jsonPath, `${JSON.stringify(resultDocument(result, flags), null, 2)}\n`);
  process.stderr.write(`result: ${jsonPath}\n`);
}

/** vLLM's result file: run parameters, then the summary keys. */
export function resultDocument(result: LoadResult, flags: Pick<RunFlags, 'backend'>) {
  const { profile } = result;
  const arrival = profile.arrival;
  return {
    date: result.startedAt,
    backend: flags.backend,
    model_id: result.model,
    num_prompts: profile.requests ?? null,
    request_rate: 'rate' in arrival ? arrival.rate : arrival.kind === 'infinite' ? 'inf' : null,
    burstiness: 'burstiness' in arrival ? arrival.burstiness : arrival.kind === 'poisson' ? 1 : null,
    max_concurrency: profile.maxConcurrency ?? (arrival.kind === 'concurrency' ? arrival.concurrency : null),
    arrival,
    dataset: profile.dataset,
    client_workers: result.client.workers,
    client_event_loop_delay_p99_ms: result.client.eventLoopDelayP99Ms,
    prompt_tokens_estimated: result.client.promptTokensEstimated,
    ...result.summary,
  };
}
