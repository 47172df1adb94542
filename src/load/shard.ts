import { Agent } from 'undici';
import { MAX_TIMER_MS } from '../config/load-limits.ts';
import type { RequestRecord } from '../metrics/record.ts';
import { type StreamOutcome, sendStream } from './client/openai-stream.ts';
import type { Slots } from './slots.ts';

/** A prompt ready to send: the JSON body is built once, before the clock starts. */
export interface PreparedPrompt {
  body: string;
  promptTokens: number;
  maxTokens: number;
  promptTokensEstimated: boolean;
}

/** Everything a shard needs; structured-cloneable so it can cross into a worker thread. */
export interface ShardPlan {
  origin: string;
  path: string;
  headers: Record<string, string>;
  prompts: PreparedPrompt[];
  /** Open loop: send offsets (ms) of every request; closed loop: null. */
  scheduleMs: number[] | null;
  /** Closed loop: number of request loops across all shards. */
  concurrency: number;
  /** Total requests (closed loop; open loop uses scheduleMs.length). */
  totalRequests: number;
  /** The first `warmupRequests` requests are recorded as warm-up. */
  warmupRequests: number;
  /** No request is sent after this (ms from start). */
  deadlineMs: number;
  timeoutMs: number;
  /** The run's time zero, in ms since the Unix epoch (shared by all threads). */
  startEpochMs: number;
  shardIndex: number;
  shardCount: number;
}

export interface ShardHooks {
  slots: Slots;
  /** Hands out global request indices (closed loop), shared across shards. */
  nextIndex: () => number;
  onRecord: (index: number, record: RequestRecord) => void;
  signal: AbortSignal;
}

/** ms since the run's start; epoch-based so worker threads agree with the main thread. */
export const runClock = (startEpochMs: number) => () =>
  performance.timeOrigin + performance.now() - startEpochMs;

/** Spin on the event loop for the last millisecond: setTimeout alone fires up to ~1 ms late. */
const SPIN_WINDOW_MS = 1;

export async function runShard(plan: ShardPlan, hooks: ShardHooks): Promise<void> {
  const now = runClock(plan.startEpochMs);
  const dispatcher = new Agent({
    connections: null,
    keepAliveTimeout: 30_000,
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const target = { dispatcher, origin: plan.origin, path: plan.path, headers: plan.headers };
  const inFlight = new Set<Promise<void>>();

  const send = async (index: number, scheduledMs: number, intendedMs: number): Promise<void> => {
    const prompt = plan.prompts[index % plan.prompts.length] as PreparedPrompt;
    const outcome = await sendStream(target, prompt.body, now, plan.timeoutMs, hooks.signal);
    const record = toRecord(
      outcome,
      prompt,
      scheduledMs,
      outcome.sentMs - intendedMs,
      index < plan.warmupRequests,
    );
    hooks.onRecord(index, record);
  };
  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  try {
    if (plan.scheduleMs) {
      await dispatchOpenLoop(plan, plan.scheduleMs, hooks, now, (index, scheduledMs) =>
        track(
          hooks.slots.acquire().then((waited) => {
            // Waiting for a slot is the cap working, not the client lagging: lateness counts from the grant.
            const intended = waited ? now() : scheduledMs;
            return send(index, scheduledMs, intended).finally(() => hooks.slots.release());
          }),
        ),
      );
    } else {
      const loops =
        Math.floor(plan.concurrency / plan.shardCount) +
        (plan.shardIndex < plan.concurrency % plan.shardCount ? 1 : 0);
      for (let i = 0; i < loops; i++) {
        track(
          (async () => {
            for (;;) {
              const t = now();
              if (hooks.signal.aborted || t > plan.deadlineMs) return;
              const index = hooks.nextIndex();
              if (index >= plan.totalRequests) return;
              await send(index, t, t);
            }
          })(),
        );
      }
    }
    while (inFlight.size > 0) await Promise.all(inFlight);
  } finally {
    await dispatcher.close().catch(() => dispatcher.destroy());
  }
}

function dispatchOpenLoop(
  plan: ShardPlan,
  schedule: number[],
  hooks: ShardHooks,
  now: () => number,
  start: (index: number, scheduledMs: number) => void,
): Promise<void> {
  return new Promise((resolve) => {
    let i = plan.shardIndex;
    const tick = () => {
      if (hooks.signal.aborted) return resolve();
      const t = now();
      while (i < schedule.length && (schedule[i] as number) <= t) {
        start(i, schedule[i] as number);
        i += plan.shardCount;
      }
      if (i >= schedule.length || (schedule[i] as number) > plan.deadlineMs) return resolve();
      const wait = (schedule[i] as number) - now();
      // A wait past the longest timer (the run plan never asks for one) ticks again at that timer's end.
      if (wait > SPIN_WINDOW_MS) setTimeout(tick, Math.min(wait - SPIN_WINDOW_MS, MAX_TIMER_MS));
      else setImmediate(tick);
    };
    tick();
  });
}

function toRecord(
  outcome: StreamOutcome,
  prompt: PreparedPrompt,
  scheduledMs: number,
  latenessMs: number,
  warmup: boolean,
): RequestRecord {
  const fromUsage = outcome.promptTokens !== null;
  let chunkSum = 0;
  for (const n of outcome.chunkTokens) chunkSum += n;
  return {
    ok: outcome.failure === null,
    scheduled_ms: scheduledMs,
    sent_ms: outcome.sentMs,
    end_ms: outcome.endMs,
    chunk_ms: outcome.chunkMs,
    chunk_tokens: outcome.chunkTokens,
    prompt_tokens: outcome.promptTokens ?? prompt.promptTokens,
    output_tokens: outcome.outputTokens ?? chunkSum,
    error: outcome.failure?.message ?? null,
    error_code: outcome.failure?.code ?? null,
    warmup,
    prompt_tokens_estimated: !fromUsage && prompt.promptTokensEstimated,
    // Without usage the output is what the chunks carried: flagged, never silent.
    output_tokens_from_chunks: outcome.outputTokens === null,
    lateness_ms: latenessMs,
  };
}
