import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { type ClientRequest, promptOf } from './workloads.ts';

export { type ClientRequest, promptOf };

/**
 * A small streaming client for the simulator's own API tests and its real-time bench
 * (`../bench/realtime.ts`): sends completions with `ignore_eos` on a schedule (open loop) or at a
 * fixed concurrency (closed loop), and measures per request what `vllm bench serve` measures.
 * The calibration tests do not use it: they run the project's load engine (`./load.ts`).
 */

export interface RequestTiming {
  readonly ok: boolean;
  readonly error?: string;
  readonly scheduledMs: number;
  readonly sentMs: number;
  /** Arrival of each content chunk, ms from the run start. */
  readonly chunkMs: number[];
  readonly endMs: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

export interface RunSummary {
  readonly completed: number;
  readonly failed: number;
  /** First send to last completion, s. */
  readonly durationS: number;
  readonly requestThroughput: number;
  readonly outputThroughput: number;
  /** ms */
  readonly meanTtft: number;
  readonly p99Ttft: number;
  readonly meanItl: number;
  readonly meanTpot: number;
  readonly timings: RequestTiming[];
}

function once(
  base: URL,
  agent: Agent,
  model: string,
  r: ClientRequest,
  index: number,
  t0: number,
  scheduledMs: number,
) {
  return new Promise<RequestTiming>((resolve) => {
    const chunkMs: number[] = [];
    const sentMs = performance.now() - t0;
    let usage = { prompt_tokens: 0, completion_tokens: 0 };
    let buffer = '';
    let sawDone = false;
    const finish = (error?: string): void => {
      resolve({
        ok: error === undefined && sawDone,
        ...(error === undefined ? (sawDone ? {} : { error: 'stream ended without [DONE]' }) : { error }),
        scheduledMs,
        sentMs,
        chunkMs,
        endMs: performance.now() - t0,
        promptTokens: usage.prompt_tokens,
        completionTokens: usage.completion_tokens,
      });
    };
    const body = JSON.stringify({
      model,
      prompt: promptOf(r.promptTokens, index),
      max_tokens: r.outputTokens,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    });
    // BOS-free models only: prompt tokens are then exactly r.promptTokens.
    const req = request(
      new URL('/v1/completions', base),
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          res.on('end', () => finish(`HTTP ${res.statusCode}`));
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          const now = performance.now() - t0;
          buffer += text;
          let cut = buffer.indexOf('\n\n');
          while (cut >= 0) {
            const event = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            cut = buffer.indexOf('\n\n');
            if (!event.startsWith('data: ')) continue;
            const data = event.slice(6);
            if (data === '[DONE]') {
              sawDone = true;
              continue;
            }
            const json = JSON.parse(data) as { choices: { text: string }[]; usage?: typeof usage | null };
            if (json.choices.length > 0 && json.choices[0]?.text) chunkMs.push(now);
            if (json.usage) usage = json.usage;
          }
        });
        res.on('end', () => finish());
        res.on('error', (e) => finish(e.message));
      },
    );
    req.on('error', (e) => finish(e.message));
    req.end(body);
  });
}

export interface OpenLoopOptions {
  readonly url: string;
  readonly model: string;
  readonly requests: readonly ClientRequest[];
  /** Send times, ms from start (e.g. Poisson arrivals). */
  readonly scheduleMs: readonly number[];
}

/** Like vllm bench serve's initial test prompt: one request before timing starts (connection, JIT). */
async function warmUp(base: URL, agent: Agent, model: string): Promise<void> {
  await once(base, agent, model, { promptTokens: 8, outputTokens: 2 }, -1, performance.now(), 0);
}

export async function runOpenLoop(o: OpenLoopOptions): Promise<RunSummary> {
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const base = new URL(o.url);
  await warmUp(base, agent, o.model);
  const t0 = performance.now();
  const pending: Promise<RequestTiming>[] = [];
  for (let i = 0; i < o.requests.length; i++) {
    const at = o.scheduleMs[i] as number;
    const wait = at - (performance.now() - t0);
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(once(base, agent, o.model, o.requests[i] as ClientRequest, i, t0, at));
  }
  const timings = await Promise.all(pending);
  agent.destroy();
  return summarize(timings);
}

export interface ClosedLoopOptions {
  readonly url: string;
  readonly model: string;
  readonly requests: readonly ClientRequest[];
  readonly concurrency: number;
}

export async function runClosedLoop(o: ClosedLoopOptions): Promise<RunSummary> {
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const base = new URL(o.url);
  await warmUp(base, agent, o.model);
  const t0 = performance.now();
  const timings: RequestTiming[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < o.requests.length) {
      const i = next++;
      timings[i] = await once(
        base,
        agent,
        o.model,
        o.requests[i] as ClientRequest,
        i,
        t0,
        performance.now() - t0,
      );
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  agent.destroy();
  return summarize(timings);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return (sorted[lo] as number) + (rank - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/** vLLM bench serve's definitions: TTFT from send, ITL pooled chunk gaps, duration to last end. */
export function summarize(timings: RequestTiming[]): RunSummary {
  const ok = timings.filter((t) => t.ok && t.chunkMs.length > 0);
  const start = Math.min(...timings.map((t) => t.sentMs));
  const end = Math.max(...timings.map((t) => t.endMs));
  const durationS = (end - start) / 1000;
  const ttfts = ok.map((t) => (t.chunkMs[0] as number) - t.sentMs).sort((a, b) => a - b);
  const itls: number[] = [];
  const tpots: number[] = [];
  let output = 0;
  for (const t of ok) {
    output += t.completionTokens;
    for (let i = 1; i < t.chunkMs.length; i++)
      itls.push((t.chunkMs[i] as number) - (t.chunkMs[i - 1] as number));
    if (t.completionTokens > 1) {
      const last = t.chunkMs[t.chunkMs.length - 1] as number;
      tpots.push((last - (t.chunkMs[0] as number)) / (t.completionTokens - 1));
    }
  }
  return {
    completed: ok.length,
    failed: timings.length - ok.length,
    durationS,
    requestThroughput: ok.length / durationS,
    outputThroughput: output / durationS,
    meanTtft: mean(ttfts),
    p99Ttft: percentile(ttfts, 99),
    meanItl: mean(itls),
    meanTpot: mean(tpots),
    timings,
  };
}
