import { ConfigError } from '../core/errors.ts';
import { isQueueMetric } from './client-queue.ts';
import type { Given, RunFlags } from './run-options.ts';

/** The flag a RunFlags key comes from: rampUpStartRps -> --ramp-up-start-rps. */
export const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

const clash = (a: string, b: string, why: string, hint: string) =>
  new ConfigError(`${a} and ${b} contradict: ${why}`, hint);

type DatasetFamily = 'random' | 'sharegpt' | 'custom' | 'prefix_repetition';
const familyOf = (name: RunFlags['datasetName']): DatasetFamily =>
  name === 'jsonl' ? 'custom' : name === 'prefix-repetition' ? 'prefix_repetition' : name;

/** Flags that only mean something for some datasets (vLLM ignores them for the others). */
const datasetFlags: Array<[keyof RunFlags, DatasetFamily[]]> = [
  ['inputLen', ['random']],
  ['randomInputLen', ['random']],
  ['randomOutputLen', ['random']],
  ['randomRangeRatio', ['random']],
  ['randomPrefixLen', ['random']],
  ['sharegptOutputLen', ['sharegpt']],
  ['customOutputLen', ['custom']],
  ['prefixRepetitionPrefixLen', ['prefix_repetition']],
  ['prefixRepetitionSuffixLen', ['prefix_repetition']],
  ['prefixRepetitionNumPrefixes', ['prefix_repetition']],
  ['prefixRepetitionOutputLen', ['prefix_repetition']],
  ['disableShuffle', ['sharegpt', 'custom']],
];

/** The dataset's own output-length flag, which --output-len sets. */
const outputLenFlag: Record<DatasetFamily, keyof RunFlags> = {
  random: 'randomOutputLen',
  sharegpt: 'sharegptOutputLen',
  custom: 'customOutputLen',
  prefix_repetition: 'prefixRepetitionOutputLen',
};

/**
 * Rejects flags that contradict each other or miss a partner, naming both flags; returns
 * warnings for flags that are accepted but have no effect (as in vLLM, which ignores them).
 */
export function checkFlags(f: RunFlags, given: Given): string[] {
  checkArrival(f, given);
  return checkSharedFlags(f, given);
}

/** The checks of the flags every run and every capacity probe share (all but the traffic ones). */
export function checkSharedFlags(f: RunFlags, given: Given): string[] {
  checkPairs(f, given);
  checkDataset(f, given);
  checkServer(f, given);
  return warnings(f, given);
}

function checkArrival(f: RunFlags, given: Given): void {
  if (given('concurrency')) {
    for (const key of ['requestRate', 'burstiness', 'arrival', 'rampUpStrategy', 'maxConcurrency'] as const) {
      if (!given(key)) continue;
      throw key === 'maxConcurrency'
        ? clash(
            '--concurrency',
            '--max-concurrency',
            '--concurrency N already keeps N requests in flight',
            'drop one of them',
          )
        : clash(
            '--concurrency',
            flagOf(key),
            '--concurrency runs a closed loop (each user sends when its last request ends), which has no arrival rate',
            'drop one of them; the open-loop equivalent of --concurrency N is --request-rate inf --max-concurrency N',
          );
    }
  }
  for (const key of ['rampUpStartRps', 'rampUpEndRps'] as const) {
    if (given(key) && !f.rampUpStrategy) {
      throw new ConfigError(
        `${flagOf(key)} needs --ramp-up-strategy`,
        'add --ramp-up-strategy linear (or exponential)',
      );
    }
  }
  if (f.rampUpStrategy) {
    if (given('requestRate')) {
      throw clash(
        '--ramp-up-strategy',
        '--request-rate',
        'a ramp sets the rate itself (vLLM refuses this too)',
        'drop --request-rate',
      );
    }
    if (given('arrival')) {
      throw clash(
        '--ramp-up-strategy',
        '--arrival',
        'a ramp draws Gamma gaps with --burstiness',
        'drop --arrival',
      );
    }
    if (f.rampUpStartRps === undefined || f.rampUpEndRps === undefined) {
      throw new ConfigError(
        '--ramp-up-strategy needs --ramp-up-start-rps and --ramp-up-end-rps',
        'give both rates in requests/s, e.g. --ramp-up-start-rps 1 --ramp-up-end-rps 20',
      );
    }
    if (f.burstiness === Number.POSITIVE_INFINITY) {
      throw clash(
        '--ramp-up-strategy',
        '--burstiness inf',
        'evenly spaced arrivals are not available on a ramp',
        'give a finite --burstiness',
      );
    }
    if (f.numPrompts === undefined && f.duration !== undefined) {
      throw new ConfigError(
        '--ramp-up-strategy needs --num-prompts: the ramp spans the request count, as in vLLM',
        'add --num-prompts N',
      );
    }
  }
  if (given('arrival') && given('burstiness')) {
    throw clash(
      '--arrival',
      '--burstiness',
      '--arrival poisson is --burstiness 1 and constant is --burstiness inf',
      'keep one of them',
    );
  }
  const infinite =
    f.requestRate === Number.POSITIVE_INFINITY && !f.rampUpStrategy && f.concurrency === undefined;
  if (infinite && f.arrival === 'constant') {
    throw clash(
      '--arrival constant',
      '--request-rate inf',
      'even spacing needs a finite rate',
      'give --request-rate R',
    );
  }
  if (infinite && given('burstiness') && f.burstiness !== 1) {
    throw clash(
      '--burstiness',
      '--request-rate inf',
      'burstiness shapes the gaps between arrivals, and an infinite rate sends every request at once',
      'give a finite --request-rate, or drop --burstiness',
    );
  }
  if (infinite && f.duration !== undefined && f.numPrompts === undefined) {
    throw clash(
      '--duration',
      '--request-rate inf',
      'with an infinite rate every request is sent at once, so a duration alone does not bound the run',
      'add --num-prompts N, or give a finite --request-rate or --concurrency',
    );
  }
}

/** Two spellings of one setting (vLLM's generic flag and the specific one) must agree. */
function checkPairs(f: RunFlags, given: Given): void {
  const outputLen = outputLenFlag[familyOf(f.datasetName)];
  const pairs: Array<[keyof RunFlags, keyof RunFlags]> = [
    ['numWarmups', 'warmupRequests'],
    ['inputLen', 'randomInputLen'],
    ['outputLen', outputLen],
  ];
  for (const [a, b] of pairs) {
    if (given(a) && given(b) && f[a] !== f[b]) {
      throw clash(
        `${flagOf(a)} ${String(f[a])}`,
        `${flagOf(b)} ${String(f[b])}`,
        `${flagOf(a)} sets ${flagOf(b)}`,
        'give one of them',
      );
    }
  }
}

function checkDataset(f: RunFlags, given: Given): void {
  const family = familyOf(f.datasetName);
  if ((family === 'random' || family === 'prefix_repetition') && given('datasetPath')) {
    throw clash(
      `--dataset-name ${f.datasetName}`,
      '--dataset-path',
      `the ${f.datasetName} dataset makes its own prompts (vLLM refuses this too)`,
      'for prompts from a file use --dataset-name sharegpt or custom',
    );
  }
  if ((family === 'sharegpt' || family === 'custom') && !f.datasetPath) {
    throw new ConfigError(
      `--dataset-name ${f.datasetName} needs --dataset-path`,
      family === 'sharegpt'
        ? 'give a ShareGPT JSON file (fixtures/sharegpt-small.json is an example)'
        : 'give a JSONL file with one {"prompt": ...} per line',
    );
  }
  if (given('percentileMetrics') && f.percentileMetrics?.every(isQueueMetric)) {
    throw new ConfigError(
      '--percentile-metrics needs at least one of ttft, tpot, itl, e2el',
      'e.g. --percentile-metrics ttft,tpot,itl,client_queue_time',
    );
  }
}

function checkServer(f: RunFlags, given: Given): void {
  if (!f.baseUrl) return;
  const url = new URL(f.baseUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  if (given('host') && f.host !== host) {
    throw clash(
      '--base-url',
      '--host',
      `${f.baseUrl} names host ${host}, --host ${f.host}`,
      'give --base-url alone',
    );
  }
  if (given('port') && f.port !== port) {
    throw clash(
      '--base-url',
      '--port',
      `${f.baseUrl} names port ${port}, --port ${f.port}`,
      'give --base-url alone',
    );
  }
}

function warnings(f: RunFlags, given: Given): string[] {
  const out: string[] = [];
  const family = familyOf(f.datasetName);
  for (const [key, families] of datasetFlags) {
    if (given(key) && !families.includes(family)) {
      out.push(`${flagOf(key)} has no effect with --dataset-name ${f.datasetName}`);
    }
  }
  if (given('tokenizer') || given('tokenizerMode') || given('trustRemoteCode')) {
    out.push(
      "servebench loads no tokenizer: prompt lengths come from the server's /tokenize and token totals from its usage " +
        `(--tokenizer is recorded as tokenizer_id; --tokenizer-mode and --trust-remote-code have no effect)`,
    );
  }
  if (f.saveDetailed && !f.saveResult && !f.appendResult) {
    out.push('--save-detailed has no effect without --save-result or --append-result');
  }
  if (f.maxConcurrency === undefined && f.percentileMetrics?.some(isQueueMetric)) {
    out.push('client_queue_time and e2el_including_client_queue are reported only with --max-concurrency');
  }
  return out;
}
