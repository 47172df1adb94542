import { availableParallelism } from 'node:os';
import { request } from 'undici';
import { MAX_TIMER_MS } from '../config/load-limits.ts';
import { type LoadProfile, type LoadProfileInput, loadProfileSchema } from '../config/load-profile.ts';
import { parseConfig } from '../config/parse.ts';
import { ConfigError } from '../core/errors.ts';
import { createRng } from '../core/rng.ts';
import { createDataset, serverTokenCounter, textPrompts, vocabBound } from '../datasets/index.ts';
import type { SampledRequest } from '../datasets/types.ts';
import type { RequestRecord } from '../metrics/record.ts';
import { type BenchmarkSummary, summarize } from '../metrics/summarize.ts';
import { execute } from './executor.ts';
import { checkPromptMemory, type LoadPlan, planLoad, requestCap } from './plan.ts';
import { type Progress, ProgressTracker } from './progress.ts';
import { buildRequestBody, isChatEndpoint } from './request-body.ts';
import { expectedCount } from './schedule.ts';
import type { PreparedPrompt } from './shard.ts';

export interface LoadResult {
  profile: LoadProfile;
  model: string;
  summary: BenchmarkSummary;
  /** Every request in index order, warm-up included (flagged). */
  records: RequestRecord[];
  client: { workers: number; eventLoopDelayP99Ms: number; promptTokensEstimated: boolean };
  startedAt: string;
}

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  progressIntervalMs?: number;
}

/** Prompts reused in a cycle by a closed loop bounded by duration only. */
const DURATION_ONLY_POOL = 1000;
/**
 * Chunks per second one client thread handles with sub-ms timing error (see bench/: measured
 * well above this on 2 cores); auto sharding adds a thread per this much expected traffic.
 */
const CHUNKS_PER_THREAD = 30_000;
/** Closed-loop and infinite-rate runs: assume a stream delivers at most this many chunks/s. */
const CHUNKS_PER_STREAM = 200;

/** Runs one load profile against a server and summarizes it. Never throws for failed requests. */
export async function runLoad(input: LoadProfileInput, options: RunOptions = {}): Promise<LoadResult> {
  const profile = parseConfig(loadProfileSchema, input, 'load profile');
  const rng = createRng(profile.seed);
  // Every count, rate, duration and the memory they need are checked before any request.
  const plan = planLoad(profile, rng.fork('arrivals'));
  const signal = options.signal ?? new AbortController().signal;
  const startedAt = new Date().toISOString();
  const { model, vocabSize: serverVocab } = await resolveModel(
    profile.baseUrl,
    profile.model,
    profile.headers,
  );
  const vocabulary = fitVocabulary(profile.dataset, serverVocab);
  const { arrival } = profile;

  const poolSize = plan.capped ? Math.min(plan.total, DURATION_ONLY_POOL) : plan.total;
  const tokens = serverTokenCounter(profile.baseUrl, model, { headers: profile.headers });
  const dataset = await createDataset(vocabulary.dataset);
  let samples = await dataset.sample(poolSize, rng.fork('prompts'), tokens);
  /** How prompts were made where the server's tokenizer could not make them: in the summary's notes. */
  const notes: string[] = vocabulary.note ? [vocabulary.note] : [];
  if (isChatEndpoint(profile.endpoint)) {
    const spec = vocabulary.dataset;
    const vocabSize = 'vocab_size' in spec ? spec.vocab_size : vocabBound(samples);
    const text = await textPrompts(samples, tokens, rng.fork('prompt-text'), { vocabSize });
    samples = text.samples;
    notes.push(...text.notes);
  }
  if (tokens.fallbackReason !== undefined) {
    notes.push(
      `prompt token counts are estimates (about ±25 %), which chose and sized the prompts: the server's /tokenize ` +
        `did not answer (${tokens.fallbackReason})`,
    );
  }
  const promptTokensEstimated = samples.some((s) => s.promptTokensEstimated);
  // Each sample is dropped once its body is built: a run keeps the bodies only.
  const prompts = samples.map((s, i) => {
    const prepared = prepare(s, profile, model);
    (samples as Array<SampledRequest | undefined>)[i] = undefined;
    return prepared;
  });
  const total = checkBuiltPrompts(prompts, plan);

  const url = new URL(profile.baseUrl);
  const tracker = new ProgressTracker(plan.capped ? null : total);
  const records: RequestRecord[] = [];
  const progressMs = Math.min(Math.max(options.progressIntervalMs ?? 1000, 10), MAX_TIMER_MS);
  const timer = options.onProgress
    ? setInterval(() => options.onProgress?.(tracker.snapshot()), progressMs)
    : undefined;
  let report: Awaited<ReturnType<typeof execute>>;
  try {
    report = await execute(
      {
        origin: url.origin,
        path: `${url.pathname.replace(/\/+$/, '')}${profile.endpoint}`,
        // The client reads streams as they come: it asks for them uncompressed.
        headers: { 'content-type': 'application/json', 'accept-encoding': 'identity', ...profile.headers },
        prompts,
        scheduleMs: plan.scheduleMs,
        concurrency: arrival.kind === 'concurrency' ? arrival.concurrency : 0,
        totalRequests: total,
        warmupRequests: profile.warmupRequests,
        deadlineMs: profile.durationS === undefined ? Number.POSITIVE_INFINITY : profile.durationS * 1000,
        timeoutMs: profile.requestTimeoutS * 1000,
      },
      {
        workers: workerCount(profile, prompts),
        maxConcurrency: profile.maxConcurrency ?? null,
        signal,
        onRecord: (index, record) => {
          records[index] = record;
          tracker.add(record);
        },
      },
    );
  } finally {
    clearInterval(timer);
  }
  options.onProgress?.(tracker.snapshot());

  const sent = records.filter((r) => r !== undefined);
  const summary = summarize(sent, {
    percentiles: profile.percentiles,
    metrics: profile.percentileMetrics,
    goodput: profile.goodput,
    maxLatenessP99Ms: profile.maxLatenessP99Ms,
    maxFailureRate: profile.maxFailureRate,
    closedLoop: arrival.kind === 'concurrency',
  });
  summary.notes.unshift(...notes);
  if (signal.aborted) {
    summary.invalid_reasons.push('the run was cancelled before it finished');
    summary.valid = false;
  }
  if (plan.capped && sent.length >= total) {
    summary.invalid_reasons.push(
      `the run stopped at ${total} requests, the most a run bounded by durationS alone may send ` +
        '(each record is kept in memory), before its duration ended; give requests (a count) to bound it',
    );
    summary.valid = false;
  }
  return {
    profile,
    model,
    summary,
    records: sent,
    client: {
      workers: report.workers,
      eventLoopDelayP99Ms: report.eventLoopDelayP99Ms,
      promptTokensEstimated,
    },
    startedAt,
  };
}

/**
 * With the bodies built (file datasets tell their sizes only now): checks that they and the
 * records fit in memory, or, for a run whose count is a cap, lowers the cap until they do.
 * Returns the requests the run may send.
 */
function checkBuiltPrompts(prompts: readonly PreparedPrompt[], plan: LoadPlan): number {
  let chars = 0;
  let output = 0;
  for (const p of prompts) {
    chars += p.body.length;
    output += p.maxTokens;
  }
  const meanOutput = output / Math.max(1, prompts.length);
  if (plan.capped) return Math.min(plan.total, requestCap(chars, meanOutput));
  // A pool smaller than the run is reused in a cycle: its bodies are kept once.
  checkPromptMemory(plan.total, chars, meanOutput);
  return plan.total;
}

function prepare(sample: SampledRequest, profile: LoadProfile, model: string): PreparedPrompt {
  return {
    body: buildRequestBody(profile, model, sample),
    promptTokens: sample.promptTokens,
    maxTokens: sample.maxTokens,
    promptTokensEstimated: sample.promptTokensEstimated,
  };
}

function workerCount(profile: LoadProfile, prompts: PreparedPrompt[]): number {
  if (profile.workers !== 'auto') return profile.workers;
  const { arrival } = profile;
  const meanOutput = prompts.reduce((s, p) => s + p.maxTokens, 0) / Math.max(1, prompts.length);
  let chunksPerSecond: number;
  if (arrival.kind === 'concurrency') chunksPerSecond = arrival.concurrency * CHUNKS_PER_STREAM;
  else if (arrival.kind === 'infinite' || arrival.kind === 'bursts') {
    chunksPerSecond = (profile.maxConcurrency ?? prompts.length) * CHUNKS_PER_STREAM;
  } else {
    const rate = expectedCount(arrival, 1);
    chunksPerSecond = Math.min(
      rate * meanOutput,
      (profile.maxConcurrency ?? Number.POSITIVE_INFINITY) * CHUNKS_PER_STREAM,
    );
  }
  const wanted = Math.ceil(chunksPerSecond / CHUNKS_PER_THREAD);
  return Math.max(1, Math.min(wanted, availableParallelism()));
}

/**
 * Checks that the server answers before the clock starts (as vLLM bench's initial test request
 * does), and picks the first listed model when none was given.
 */
/**
 * Token-ID prompts stay inside the model's vocabulary: with a server that says how large it is
 * (llama.cpp's /v1/models `meta.n_vocab`; vLLM says nothing), IDs are drawn below it when the
 * dataset's vocab_size (32000 by default) is larger, and a note says so. Past it every request
 * would fail ("invalid tokens") and the run would measure nothing. The baseline key keeps the
 * profile as given.
 */
function fitVocabulary(
  dataset: LoadProfile['dataset'],
  serverVocab: number | null,
): { dataset: LoadProfile['dataset']; note: string | null } {
  if (serverVocab === null || !('vocab_size' in dataset) || dataset.vocab_size <= serverVocab)
    return { dataset, note: null };
  return {
    dataset: { ...dataset, vocab_size: serverVocab },
    note:
      `token IDs were drawn below ${serverVocab}, the model's vocabulary (the server's /v1/models), ` +
      `not below dataset.vocab_size ${dataset.vocab_size}`,
  };
}

async function resolveModel(
  baseUrl: string,
  model: string | undefined,
  headers: Record<string, string>,
): Promise<{ model: string; vocabSize: number | null }> {
  const url = `${baseUrl.replace(/\/+$/, '')}/v1/models`;
  let status: number;
  let listed: string | undefined;
  let vocabSize: number | null = null;
  try {
    const response = await request(url, { headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
    status = response.statusCode;
    const body = (await response.body.json().catch(() => ({}))) as {
      data?: Array<{ id?: string; meta?: { n_vocab?: unknown } }>;
    };
    listed = body.data?.[0]?.id;
    const nVocab = body.data?.[0]?.meta?.n_vocab;
    if (typeof nVocab === 'number' && Number.isSafeInteger(nVocab) && nVocab > 0) vocabSize = nVocab;
  } catch (error) {
    const e = error as Error & { code?: string };
    throw new ConfigError(
      `cannot reach the server at ${url}: ${e.code ?? e.message}`,
      'start the server or fix --base-url',
    );
  }
  if (model) return { model, vocabSize };
  if (status === 200 && listed) return { model: listed, vocabSize };
  throw new ConfigError(`no model listed at ${url} (HTTP ${status})`, 'pass the model name (--model)');
}
