import { getHeapStatistics } from 'node:v8';
import { formatLimit, formatSeconds, loadLimits } from '../config/load-limits.ts';
import type { LoadProfile } from '../config/load-profile.ts';
import { ConfigError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { type DatasetSpec, parseDatasetSpec } from '../datasets/spec.ts';
import { expectedCount, scheduleMs } from './schedule.ts';

/**
 * How a run's checks name its settings: load-profile fields by default; the CLI passes its flags.
 */
export interface SettingNames {
  requests: string;
  warmupRequests: string;
  durationS: string;
  arrival: string;
  dataset: string;
}

export const profileNames: SettingNames = {
  requests: 'requests',
  warmupRequests: 'warmupRequests',
  durationS: 'durationS',
  arrival: 'arrival',
  dataset: 'dataset',
};

/** What a run will do, worked out (and checked) before any request is sent. */
export interface LoadPlan {
  /** Requests the run sends at most, warm-up included. */
  total: number;
  /** Open loop: the send offset (ms) of every request; closed loop: null. */
  scheduleMs: number[] | null;
  /** When the last request is sent at the latest (s from time zero); null when the server decides (a closed loop without durationS). */
  lastSendS: number | null;
  /**
   * A closed loop bounded by durationS alone sends as fast as the server answers: `total` is then
   * a cap (loadLimits.maxRequests, lower if the records would not fit in memory), not a count.
   */
  capped: boolean;
}

/**
 * Memory a run keeps per request, from measurements (bytes, Node 24, 64-bit): a raw record is
 * about 300 bytes plus 17-20 per chunk (two number arrays), and the summary adds 8 per chunk (ITL)
 * and 8 per token (per-token ITL) while it runs. Rounded up; see docs/metrics.md, "Limits".
 */
export const RECORD_BYTES = 400;
export const BYTES_PER_OUTPUT_TOKEN = 40;
/** The share of the V8 heap limit a run may plan to fill: the rest is headroom for the GC. */
const HEAP_SHARE = 0.8;

/**
 * Plans a run: how many requests, when each is sent (open loop), how long it takes. Rejects,
 * naming the settings, what cannot run or would not end: more than loadLimits.maxRequests
 * requests; a schedule whose last send is past loadLimits.maxDurationS (e.g. 100 requests at
 * 0.0001 req/s), or never comes; prompts and records that would not fit in this process's heap.
 */
export function planLoad(profile: LoadProfile, rng: Rng, names: SettingNames = profileNames): LoadPlan {
  const { arrival, warmupRequests: warmup } = profile;
  const measured = profile.requests;

  if (arrival.kind === 'concurrency') {
    if (measured === undefined) {
      const output = outputTokensOf(parseDatasetSpec(profile.dataset)) ?? 0;
      return {
        total: requestCap(0, output),
        scheduleMs: null,
        lastSendS: profile.durationS ?? null,
        capped: true,
      };
    }
    checkCount(warmup + measured, names, `${names.requests} + ${names.warmupRequests}`);
    const plan = {
      total: warmup + measured,
      scheduleMs: null,
      lastSendS: profile.durationS ?? null,
      capped: false,
    };
    checkMemory(plan.total, profile, names);
    return plan;
  }

  let count: number;
  if (profile.durationS === undefined) {
    if (measured === undefined)
      throw new ConfigError(`give ${names.requests} or ${names.durationS}: every run must be bounded`);
    count = warmup + measured;
    checkCount(count, names, `${names.requests} + ${names.warmupRequests}`);
  } else {
    // Requests that fit in the duration: the expected count plus 8 standard deviations of the
    // arrival count (Poisson, or gamma gaps with a shape below 1), never more than asked for.
    const expected = expectedCount(arrival, profile.durationS);
    if (!Number.isFinite(expected) && measured === undefined) {
      throw new ConfigError(
        'an infinite request rate needs a request count',
        `set ${names.requests}: with an infinite rate every request is sent at once, so ${names.durationS} alone does not bound the run`,
      );
    }
    const shape = 'burstiness' in arrival ? Math.min(1, arrival.burstiness) : 1;
    const fits = Math.ceil(expected + 8 * Math.sqrt(expected / shape) + 100);
    count = warmup + Math.min(measured ?? Number.POSITIVE_INFINITY, fits);
    const why =
      measured !== undefined && warmup + measured <= count
        ? `${names.requests} + ${names.warmupRequests}`
        : `${names.arrival} over ${names.durationS} = ${formatSeconds(profile.durationS)} (up to ${formatLimit(fits)} requests at the planned rate)`;
    checkCount(count, names, why);
  }
  checkMemory(count, profile, names);

  const schedule = scheduleMs(arrival, count, rng, profile.durationS);
  let last = 0;
  for (const t of schedule) {
    if (!Number.isFinite(t)) {
      throw new ConfigError(
        `${names.arrival} never sends some of the ${formatLimit(count)} requests (a send time is ${t}): check its rates`,
        `give ${names.arrival} a rate above 0 where the run ends, or bound the run with ${names.durationS}`,
      );
    }
    if (t > last) last = t;
  }
  const lastSendS = last / 1000;
  if (lastSendS > loadLimits.maxDurationS) {
    throw new ConfigError(
      `${names.arrival} and ${names.requests} plan a run whose last request is sent after ${formatSeconds(lastSendS)}, ` +
        `longer than the ${formatSeconds(loadLimits.maxDurationS)} a run may plan`,
      `raise the rate of ${names.arrival}, lower ${names.requests}, or bound the run with ${names.durationS}`,
    );
  }
  return { total: schedule.length, scheduleMs: schedule, lastSendS, capped: false };
}

/**
 * The most requests whose records fit in this process's heap beside `promptChars` of prompt
 * bodies, `meanOutputTokens` each, and never more than loadLimits.maxRequests (at least 1): the
 * cap of a closed loop bounded by a duration alone.
 */
export function requestCap(promptChars: number, meanOutputTokens: number): number {
  const perRecord = RECORD_BYTES + BYTES_PER_OUTPUT_TOKEN * meanOutputTokens;
  const fitting = Math.floor((heapBudget() - promptChars) / perRecord);
  return Math.max(1, Math.min(loadLimits.maxRequests, fitting));
}

/** Checks, with the prompts built, that they and the records fit in this process's heap. */
export function checkPromptMemory(
  requests: number,
  promptChars: number,
  meanOutputTokens: number,
  names: SettingNames = profileNames,
): void {
  const kept = requests * (RECORD_BYTES + BYTES_PER_OUTPUT_TOKEN * meanOutputTokens);
  assertFits(kept + promptChars, kept, promptChars, requests, names);
}

function checkCount(count: number, names: SettingNames, what: string): void {
  if (count <= loadLimits.maxRequests) return;
  throw new ConfigError(
    `the run plans ${formatLimit(count)} requests (${what}), more than the ${formatLimit(loadLimits.maxRequests)} a run may ` +
      'have: each keeps its record in memory until the run is summarized',
    `lower ${names.requests}, ${names.warmupRequests} or ${names.durationS}, or split the load into several runs`,
  );
}

/** Before sampling: prompt and record memory of the datasets whose sizes the spec tells. */
function checkMemory(requests: number, profile: LoadProfile, names: SettingNames): void {
  // The profile's default dataset comes unparsed ({ name: 'random' }): fill in its defaults.
  const dataset = parseDatasetSpec(profile.dataset);
  const prompt = promptSizeOf(dataset);
  const output = outputTokensOf(dataset);
  if (prompt === null || output === null) return; // file datasets: checked once their prompts are built
  const records = requests * (RECORD_BYTES + BYTES_PER_OUTPUT_TOKEN * output);
  const prompts = requests * prompt.chars;
  // While prompts are built, every prompt's token IDs and its JSON body are held at once.
  const building = requests * (prompt.chars + prompt.samplingBytes);
  assertFits(Math.max(records + prompts, building), records, prompts, requests, names);
}

function assertFits(
  bytes: number,
  records: number,
  prompts: number,
  requests: number,
  names: SettingNames,
): void {
  const budget = heapBudget();
  if (bytes <= budget || Number.isNaN(bytes)) return;
  throw new ConfigError(
    `the run would hold about ${gb(bytes)} in memory for its ${formatLimit(requests)} requests (prompts ${gb(prompts)}, ` +
      `records ${gb(records)}), more than the ${gb(budget)} this Node.js process may use (${HEAP_SHARE * 100}% of its heap limit)`,
    `lower ${names.requests} or ${names.durationS}, use shorter prompts or outputs (${names.dataset}), or give Node.js ` +
      'a larger heap (NODE_OPTIONS=--max-old-space-size=<MB>)',
  );
}

function heapBudget(): number {
  return HEAP_SHARE * getHeapStatistics().heap_size_limit;
}

const gb = (bytes: number) =>
  bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.ceil(bytes / 2 ** 20)} MiB`;

/** Size of one prompt of a synthetic dataset: its JSON body (chars) and its token IDs while built. */
function promptSizeOf(spec: DatasetSpec): { chars: number; samplingBytes: number } | null {
  let tokens: number;
  if (spec.name === 'random') tokens = spec.prefix_len + Math.ceil(spec.input_len * (1 + spec.range_ratio));
  else if (spec.name === 'prefix-repetition') tokens = spec.prefix_len + spec.suffix_len;
  else return null;
  // A token ID in JSON: its digits and a comma; 8 bytes an element in an array while sampled.
  const charsPerToken = String(spec.vocab_size).length + 1;
  return { chars: 200 + tokens * charsPerToken, samplingBytes: tokens * 8 };
}

/** Output tokens per request a dataset spec asks for at most, when it tells. */
function outputTokensOf(spec: DatasetSpec): number | null {
  if (spec.name === 'random') return Math.ceil(spec.output_len * (1 + spec.range_ratio));
  if (spec.name === 'prefix-repetition') return spec.output_len;
  if (spec.name === 'sharegpt') return spec.output_len ?? null;
  return null;
}
