import { ConfigError } from '../core/errors.ts';
import type { CapacityFlags, CapacityGiven } from './capacity-options.ts';
import { checkSharedFlags, flagOf } from './flag-checks.ts';

/**
 * `run` flags that capacity takes (hidden) only to say why not: the search sets the load of
 * every probe and sizes it, and each probe holds one load.
 */
const setBySearch: Array<[keyof CapacityFlags, string, string]> = [
  [
    'requestRate',
    '--search request-rate sweeps the request rate',
    'drop --request-rate; --start and --max-load bound the search (req/s)',
  ],
  [
    'maxConcurrency',
    'the search sets the load: --search request-rate sweeps the rate, --search concurrency the requests in flight',
    'drop --max-concurrency; to sweep requests in flight use --search concurrency',
  ],
  [
    'concurrency',
    '--search concurrency sweeps the closed-loop users',
    'drop --concurrency and give --search concurrency (--start and --max-load bound it)',
  ],
  ['numPrompts', 'the search sizes every probe', 'drop --num-prompts; use --min-requests and --max-requests'],
  ['duration', 'the search sizes every probe', 'drop --duration; use --min-requests and --max-requests'],
  ...(['rampUpStrategy', 'rampUpStartRps', 'rampUpEndRps'] as const).map(
    (key): [keyof CapacityFlags, string, string] => [
      key,
      'each probe holds one load (--search sets it)',
      `drop ${flagOf(key)}; --mode adaptive raises the load window by window`,
    ],
  ),
  [
    'saveDetailed',
    "the result holds each probe's summary; its requests are in the probe's raw records file",
    'drop --save-detailed',
  ],
  [
    'appendResult',
    'a capacity result is one document',
    'drop --append-result; give --result-filename per search',
  ],
];

/**
 * Rejects flags that do not apply to a capacity search or contradict each other, naming them;
 * returns warnings for flags accepted without effect (as `run` does).
 */
export function checkCapacityFlags(f: CapacityFlags, given: CapacityGiven): string[] {
  for (const [key, why, hint] of setBySearch) {
    if (given(key)) {
      throw new ConfigError(`${flagOf(key)} does not apply to servebench capacity: ${why}`, hint);
    }
  }
  checkSlo(f, given);
  checkArrival(f, given);
  checkSearch(f, given);
  return checkSharedFlags(f, given);
}

function checkSlo(f: CapacityFlags, given: CapacityGiven): void {
  if (f.goodput === undefined && f.sloPercentile === undefined && f.maxErrorRate === undefined) {
    throw new ConfigError(
      'servebench capacity needs an SLO: give --goodput, --slo-percentile or --max-error-rate',
      'e.g. --goodput ttft:200 tpot:50 --slo-attainment 0.95, or --slo-percentile p99_ttft:200',
    );
  }
  if (given('sloAttainment') && f.goodput === undefined) {
    throw new ConfigError(
      '--slo-attainment needs --goodput: it is the share of requests that must meet the --goodput limits',
      'add --goodput, e.g. --goodput ttft:200 tpot:50',
    );
  }
}

function checkArrival(f: CapacityFlags, given: CapacityGiven): void {
  if (f.search === 'concurrency') {
    for (const key of ['burstiness', 'arrival'] as const) {
      if (given(key)) {
        throw new ConfigError(
          `--search concurrency and ${flagOf(key)} contradict: a closed loop sends each user's next request when its last one ends, with no arrival process`,
          `drop ${flagOf(key)}, or give --search request-rate`,
        );
      }
    }
  }
  if (given('arrival') && given('burstiness')) {
    throw new ConfigError(
      '--arrival and --burstiness contradict: --arrival poisson is --burstiness 1 and constant is --burstiness inf',
      'keep one of them',
    );
  }
}

function checkSearch(f: CapacityFlags, given: CapacityGiven): void {
  if (f.search === 'concurrency') {
    for (const key of ['start', 'maxLoad', 'confirm'] as const) {
      const value = f[key];
      if (value !== undefined && !Number.isInteger(value)) {
        throw new ConfigError(
          `--search concurrency sweeps whole numbers of users: ${flagOf(key)} ${value} is not one`,
          `give ${flagOf(key)} ${Math.max(1, Math.round(value))}`,
        );
      }
    }
  }
  if (f.start !== undefined && f.start > f.maxLoad) {
    throw new ConfigError(
      `--start ${f.start} and --max-load ${f.maxLoad} contradict: the search never offers more than --max-load`,
      'lower --start or raise --max-load',
    );
  }
  if (f.minRequests > f.maxRequests) {
    throw new ConfigError(
      `--min-requests ${f.minRequests} and --max-requests ${f.maxRequests} contradict: a probe judges at least --min-requests and is lengthened up to --max-requests`,
      'give --max-requests >= --min-requests',
    );
  }
  if (f.confirm !== undefined) {
    for (const key of ['mode', 'start', 'precision', 'maxProbes'] as const) {
      if (given(key)) {
        throw new ConfigError(
          `--confirm and ${flagOf(key)} contradict: --confirm checks one load and runs no search`,
          `drop ${flagOf(key)}, or drop --confirm to search`,
        );
      }
    }
  }
}
