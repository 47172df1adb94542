import { type Command, Option } from 'commander';
import type { GoodputSlo } from '../metrics/summarize.ts';
import { defaultPercentiles } from '../metrics/summarize.ts';
import type { ReportedMetric } from './client-queue.ts';
import * as parse from './flag-parsers.ts';

/**
 * The flags of `servebench run`: `vllm bench serve`'s names, defaults and meanings wherever we
 * do the same thing, then our own (marked "servebench:"). Grouped as in `--help`. Each group is
 * its own function so `servebench capacity` can take the same flags (see capacity-options.ts).
 */
export function addRunOptions(cmd: Command): Command {
  addServerOptions(cmd);
  addTrafficOptions(cmd);
  addArrivalOptions(cmd);
  addDatasetOptions(cmd);
  addRequestOptions(cmd);
  addResultOptions(cmd);
  addPerRunResultOptions(cmd);
  return addClientOptions(cmd);
}

export function addServerOptions(cmd: Command): Command {
  return cmd
    .optionsGroup('Server:')
    .option(
      '--base-url <url>',
      'server root, e.g. http://127.0.0.1:8000 (instead of --host/--port)',
      parse.httpUrl,
    )
    .option('--host <host>', 'server host', '127.0.0.1')
    .option('--port <port>', 'server port', parse.port, 8000)
    .addOption(
      new Option('--backend <name>', 'API flavour')
        .choices(['vllm', 'openai', 'openai-chat'])
        .default('openai'),
    )
    .option(
      '--endpoint <path>',
      'API path (default /v1/completions; /v1/chat/completions with --backend openai-chat)',
      parse.apiPath,
    )
    .option('--model <name>', "model (default: the first one the server's /v1/models lists)", parse.nonEmpty)
    .option('--served-model-name <name>', 'model name sent in requests (default: --model)', parse.nonEmpty)
    .option('--header <key=value...>', 'HTTP headers sent with every request', parse.header)
    .option(
      '--ready-check-timeout-sec <s>',
      'wait up to s seconds for the server to answer before the run (0: no wait)',
      parse.waitSeconds,
      0,
    );
}

/**
 * How much load and how it arrives: `run`'s alone. `capacity` sweeps these itself; it adds them
 * hidden so that a pasted one fails with why, not as an unknown option.
 */
export function addTrafficOptions(cmd: Command, hidden = false): Command {
  const options = [
    new Option('--num-prompts <n>', 'requests to measure (default 1000 unless --duration)').argParser(
      parse.requestCount,
    ),
    new Option('--request-rate <rps>', "requests/s, or 'inf' to send all at once")
      .argParser(parse.requestRate)
      .default(Number.POSITIVE_INFINITY, 'inf'),
    new Option('--max-concurrency <n>', 'cap on requests in flight').argParser(parse.concurrency),
    new Option('--ramp-up-strategy <curve>', 'ramp the rate over the run').choices(['linear', 'exponential']),
    new Option('--ramp-up-start-rps <rps>', 'ramp start rate').argParser(parse.rate),
    new Option('--ramp-up-end-rps <rps>', 'ramp end rate').argParser(parse.rate),
    new Option('--duration <s>', 'servebench: stop sending after s seconds').argParser(parse.runSeconds),
    new Option(
      '--concurrency <n>',
      'servebench: closed loop, n users each sending when its last request ends',
    ).argParser(parse.concurrency),
  ];
  cmd.optionsGroup('Load:');
  for (const option of options) cmd.addOption(option.hideHelp(hidden));
  return cmd;
}

/** Arrival shape, warm-up, seed and timeout: what every run and every capacity probe share. */
export function addArrivalOptions(cmd: Command): Command {
  return cmd
    .option(
      '--burstiness <b>',
      "Gamma shape of arrival gaps: 1 = Poisson, 'inf' = evenly spaced",
      parse.burstiness,
      1,
    )
    .addOption(
      new Option('--arrival <kind>', "servebench: 'constant' = --burstiness inf").choices([
        'poisson',
        'constant',
      ]),
    )
    .option('--num-warmups <n>', 'warm-up requests sent first, left out of the results', parse.warmupCount)
    .option('--warmup-requests <n>', 'servebench: same as --num-warmups', parse.warmupCount)
    .option('--seed <n>', 'seed for arrivals and prompts', parse.integer, 0)
    .option('--request-timeout <s>', 'servebench: per-request timeout', parse.timeoutSeconds, 300);
}

export function addDatasetOptions(cmd: Command): Command {
  return cmd
    .optionsGroup('Dataset:')
    .addOption(
      new Option('--dataset-name <name>', 'dataset')
        .choices(['random', 'sharegpt', 'custom', 'jsonl', 'prefix_repetition', 'prefix-repetition'])
        .default('random'),
    )
    .option('--dataset-path <path>', 'file for the sharegpt and custom (jsonl) datasets')
    .option('--input-len <n>', 'prompt tokens (sets --random-input-len)', parse.tokenCount)
    .option('--output-len <n>', "output tokens (sets the dataset's output length)", parse.tokenCount)
    .option('--random-input-len <n>', 'random: prompt tokens (default 1024)', parse.tokenCount)
    .option('--random-output-len <n>', 'random: output tokens (default 128)', parse.tokenCount)
    .option('--random-range-ratio <r>', 'random: lengths vary by +-r', parse.ratio)
    .option('--random-prefix-len <n>', 'random: shared prefix tokens', parse.tokenCountOrZero)
    .option('--sharegpt-output-len <n>', 'sharegpt: fixed output length', parse.tokenCount)
    .option(
      '--custom-output-len <n>',
      'custom: output length for lines without one (default 256)',
      parse.tokenCount,
    )
    .option('--prefix-repetition-prefix-len <n>', 'prefix_repetition: prefix tokens', parse.tokenCountOrZero)
    .option('--prefix-repetition-suffix-len <n>', 'prefix_repetition: suffix tokens', parse.tokenCountOrZero)
    .option('--prefix-repetition-num-prefixes <n>', 'prefix_repetition: distinct prefixes', parse.prefixCount)
    .option('--prefix-repetition-output-len <n>', 'prefix_repetition: output tokens', parse.tokenCount)
    .option('--disable-shuffle', 'sharegpt, custom: keep the file order', false)
    .option('--tokenizer <name>', 'recorded as tokenizer_id; token counts come from the server (see docs)')
    .option('--tokenizer-mode <mode>', 'accepted for compatibility; no effect')
    .option('--trust-remote-code', 'accepted for compatibility; no effect', false);
}

export function addRequestOptions(cmd: Command): Command {
  return cmd
    .optionsGroup('Requests:')
    .option('--ignore-eos', 'ask the server to ignore EOS (default for --dataset-name random, as in vLLM)')
    .option('--no-ignore-eos', 'servebench: let random-dataset outputs stop at EOS')
    .option('--temperature <t>', 'sampling temperature (servebench default 0)', parse.nonNegativeNumber)
    .option('--top-p <p>', 'top-p sampling', parse.topP)
    .option('--top-k <k>', 'top-k sampling (-1: off)', parse.topK)
    .option('--min-p <p>', 'min-p sampling', parse.probability)
    .option('--frequency-penalty <x>', 'frequency penalty', parse.finiteNumber)
    .option('--presence-penalty <x>', 'presence penalty', parse.finiteNumber)
    .option('--repetition-penalty <x>', 'repetition penalty', parse.positiveNumber)
    .option(
      '--extra-body <json>',
      'JSON object merged into every request body (wins over the flags above)',
      parse.jsonObject,
    )
    .option('--no-continuous-usage-stats', "servebench: don't ask for usage in every chunk");
}

/** vLLM's `--goodput`: per-request limits; `capacity` lists it with its SLO flags. */
export const goodputOption = (description: string) =>
  new Option('--goodput <key:ms...>', description).argParser(parse.goodputEntry);

export function addResultOptions(cmd: Command, withGoodput = true): Command {
  cmd.optionsGroup('Results:');
  if (withGoodput) cmd.addOption(goodputOption('SLOs for goodput, e.g. ttft:200 tpot:50 e2el:2000'));
  return cmd
    .option(
      '--percentile-metrics <list>',
      'metrics with percentiles (default ttft,tpot,itl,e2el, plus the client queue ones with --max-concurrency)',
      parse.metricList,
    )
    .option('--metric-percentiles <list>', 'percentiles to report', parse.percentileList, [
      ...defaultPercentiles,
    ])
    .option('--save-result', 'write the result JSON', false)
    .option('--result-dir <dir>', 'directory for result files (default: the working directory)')
    .option('--result-filename <name>', "result file name, or an absolute path (default: vLLM's name)")
    .option(
      '--label <label>',
      'label of the result, the prefix of its default file name (default: --backend)',
    )
    .option('--metadata <key=value...>', 'pairs recorded in the result JSON', parse.keyValue)
    .option('--disable-tqdm', 'no progress lines', false);
}

/** Result flags about one run's requests: `capacity` rejects them (hidden, as the traffic ones). */
export function addPerRunResultOptions(cmd: Command, hidden = false): Command {
  const options = [
    new Option(
      '--save-detailed',
      'add per-request arrays (ttfts, itls, errors, ...) to the result JSON',
    ).default(false),
    new Option('--append-result', 'append the result to the result file as a new line').default(false),
  ];
  for (const option of options) cmd.addOption(option.hideHelp(hidden));
  return cmd;
}

export function addClientOptions(cmd: Command): Command {
  return cmd
    .optionsGroup('Client (servebench):')
    .option('--workers <n>', "client threads, or 'auto'", parse.workers, 'auto' as const)
    .option(
      '--max-lateness-ms <ms>',
      'p99 send lateness above which the run is invalid',
      parse.latenessMs,
      10,
    );
}

/** What commander hands the action, typed. */
export interface RunFlags {
  baseUrl?: string;
  host: string;
  port: number;
  backend: 'vllm' | 'openai' | 'openai-chat';
  endpoint?: string;
  model?: string;
  servedModelName?: string;
  header?: Record<string, string>;
  readyCheckTimeoutSec: number;
  numPrompts?: number;
  requestRate: number;
  burstiness: number;
  maxConcurrency?: number;
  rampUpStrategy?: 'linear' | 'exponential';
  rampUpStartRps?: number;
  rampUpEndRps?: number;
  numWarmups?: number;
  seed: number;
  duration?: number;
  arrival?: 'poisson' | 'constant';
  concurrency?: number;
  warmupRequests?: number;
  requestTimeout: number;
  datasetName: 'random' | 'sharegpt' | 'custom' | 'jsonl' | 'prefix_repetition' | 'prefix-repetition';
  datasetPath?: string;
  inputLen?: number;
  outputLen?: number;
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
  disableShuffle: boolean;
  tokenizer?: string;
  tokenizerMode?: string;
  trustRemoteCode: boolean;
  /** Undefined unless --ignore-eos or --no-ignore-eos was given. */
  ignoreEos?: boolean;
  temperature?: number;
  topP?: number;
  topK?: number;
  minP?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  repetitionPenalty?: number;
  extraBody?: Record<string, unknown>;
  continuousUsageStats: boolean;
  goodput?: GoodputSlo;
  percentileMetrics?: ReportedMetric[];
  metricPercentiles: number[];
  saveResult: boolean;
  saveDetailed: boolean;
  appendResult: boolean;
  resultDir?: string;
  resultFilename?: string;
  label?: string;
  metadata?: Record<string, string>;
  disableTqdm: boolean;
  workers: number | 'auto';
  maxLatenessMs: number;
}

/** Whether the user typed a flag (as opposed to its default); keys as in RunFlags. */
export type Given = (key: keyof RunFlags) => boolean;

export const givenIn =
  (cmd: Command): Given =>
  (key) =>
    cmd.getOptionValueSource(key) === 'cli';
