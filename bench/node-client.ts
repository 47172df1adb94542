import { parseArgs } from 'node:util';
import { Agent } from 'undici';
import { type StreamOutcome, sendStream } from '../src/load/client/openai-stream.ts';

/**
 * One step of the client-capacity benchmark for our client: C closed-loop streams, each sending
 * streaming requests one after another through the product's own hot path (`sendStream` on an
 * undici `Agent` configured as `src/load/shard.ts` does), on one thread, for a bounded time.
 *
 * `sendStream` keeps each chunk's arrival time (`outcome.chunkMs`, here in epoch ms because
 * that is the clock we pass) but not the payload, so each request carries a unique prompt and,
 * after the step, the server's stamp log (GET /stamps) gives the `sent_at` of every chunk of
 * that prompt; TCP keeps order, so arrival i pairs with stamp i. Nothing is added to the
 * measured path. Prints one JSON object (see `StepOutput` in client-capacity.ts) on stdout.
 */

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    concurrency: { type: 'string' },
    'max-tokens': { type: 'string', default: '50' },
    'itl-ms': { type: 'string', default: '10' },
    'duration-s': { type: 'string', default: '3.75' },
    'warmup-s': { type: 'string', default: '1.5' },
  },
});
if (!values.url || !values.concurrency) throw new Error('--url and --concurrency are required');
const url = new URL(values.url);
const concurrency = Number(values.concurrency);
const maxTokens = Number(values['max-tokens']);
const itlMs = Number(values['itl-ms']);
const durationMs = Number(values['duration-s']) * 1000;
const warmupMs = Number(values['warmup-s']) * 1000;
/** A stream can never send more requests than this, whatever the timings. */
const maxRequestsPerStream = Math.ceil(durationMs / itlMs) + 1;

const now = () => performance.timeOrigin + performance.now();
const dispatcher = new Agent({
  connections: null,
  keepAliveTimeout: 30_000,
  headersTimeout: 0,
  bodyTimeout: 0,
});
const target = {
  dispatcher,
  origin: url.origin,
  path: '/v1/completions',
  headers: { 'content-type': 'application/json' },
};
const bodyFor = (prompt: string) =>
  `{"model":"m","prompt":"${prompt}","max_tokens":${maxTokens},"stream":true,"stream_options":{"include_usage":true}}`;

const start = now();
const windowStart = start + warmupMs;
const deadline = start + durationMs;
const stop = new AbortController();
const done: Array<{ prompt: string; outcome: StreamOutcome }> = [];
let cpuAtWindowStart = process.cpuUsage();
let cpuMs = 0;
setTimeout(() => {
  cpuAtWindowStart = process.cpuUsage();
}, warmupMs);
// The step ends at the deadline: requests still streaming are cut there (their chunks so far count).
const deadlineTimer = setTimeout(() => {
  const used = process.cpuUsage(cpuAtWindowStart);
  cpuMs = (used.user + used.system) / 1000;
  stop.abort();
}, durationMs);

/**
 * When stream `index` starts, as independent users would: request boundaries spread evenly over
 * one request's duration (whole inter-token intervals), and chunk phases spread evenly within
 * one interval, so that streams do not all emit at the same instant. (The same formula is in
 * python_client.py.)
 */
function startOffsetMs(index: number): number {
  return itlMs * Math.floor((index * maxTokens) / concurrency) + ((index + 0.5) * itlMs) / concurrency;
}

async function streamLoop(index: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, startOffsetMs(index)));
  for (let n = 0; n < maxRequestsPerStream && now() < deadline && !stop.signal.aborted; n++) {
    const prompt = `n${index}-${n}`;
    const outcome = await sendStream(target, bodyFor(prompt), now, durationMs + 10_000, stop.signal);
    done.push({ prompt, outcome });
  }
}

await Promise.all(Array.from({ length: concurrency }, (_, i) => streamLoop(i)));
clearTimeout(deadlineTimer);
await dispatcher.close().catch(() => dispatcher.destroy());

const response = await fetch(new URL('/stamps', url));
const stamps = (await response.json()) as Record<string, number[]>;
const recv: number[] = [];
const sent: number[] = [];
let chunksTotal = 0;
let unmatched = 0;
let failures = 0;
for (const { prompt, outcome } of done) {
  if (outcome.failure && outcome.failure.code !== 'SB_CANCELLED') failures++;
  const log = stamps[prompt] ?? [];
  chunksTotal += outcome.chunkMs.length;
  for (let i = 0; i < outcome.chunkMs.length; i++) {
    const at = outcome.chunkMs[i] as number;
    const sentAt = log[i];
    if (sentAt === undefined) {
      unmatched++;
      continue;
    }
    if (at < windowStart || at > deadline) continue;
    recv.push(at);
    sent.push(sentAt);
  }
}
process.stdout.write(
  JSON.stringify({
    client: 'servebench',
    window_ms: [windowStart, deadline],
    recv,
    sent,
    chunks_total: chunksTotal,
    unmatched,
    requests: done.length,
    failures,
    cpu_ms: cpuMs,
    cpu_total_ms: totalCpuMs(),
  }),
);

function totalCpuMs(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}
