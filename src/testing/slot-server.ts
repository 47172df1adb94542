import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { SlotQueue, type SlotTiming } from './slot-queue.ts';
import { type LoopbackServer, listenLoopback, parseCompletion, routeRequest } from './stream-server.ts';

/**
 * A real OpenAI-compatible streaming server (`/v1/completions`, `/v1/models`) whose capacity is
 * known analytically: `slots` requests are served at once, the rest wait FIFO for a slot, and
 * each streams max_tokens tokens, the first `ttftMs` after its service starts and then one every
 * `itlMs` (service time ttft + (n - 1) * itl). The queue is kept in arithmetic (SlotQueue), so
 * it is exactly the M/D/c queue `capacityTruth` simulates; timers only deliver the chunks, and
 * their lateness shifts what a client sees by a millisecond or so, never the queue.
 */
export type SlotServerOptions = Omit<SlotTiming, 'tokens'>;

export interface SlotServer extends LoopbackServer {
  /** Completion requests received so far. */
  requests(): number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function startSlotServer(options: SlotServerOptions, port = 0): Promise<SlotServer> {
  const queue = new SlotQueue(options.slots);
  let received = 0;
  const server = await listenLoopback((req, res) => handle(req, res, options, queue, () => received++), port);
  return { ...server, requests: () => received };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: SlotServerOptions,
  queue: SlotQueue,
  count: () => number,
): Promise<void> {
  const request = await routeRequest(req, res, 'slot-model', ['/v1/completions']);
  if (!request) return;
  const arrival = performance.now();
  const n = count();
  const { promptTokens, maxTokens, streamOptions } = parseCompletion(request.raw);
  const tokens = Math.max(1, maxTokens);
  const continuous = streamOptions.continuous_usage_stats === true;
  const start = queue.admit(arrival, options.ttftMs + (tokens - 1) * options.itlMs);

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  const usage = (produced: number) => ({
    prompt_tokens: promptTokens,
    completion_tokens: produced,
    total_tokens: promptTokens + produced,
  });
  const send = (event: unknown) => res.write(`data: ${JSON.stringify(event)}\n\n`);
  for (let i = 0; i < tokens; i++) {
    // Every chunk on its own absolute time from the service start: delays never add up.
    await sleep(start + options.ttftMs + i * options.itlMs - performance.now());
    if (res.destroyed) return;
    send({
      id: `cmpl-${n}`,
      object: 'text_completion',
      choices: [{ index: 0, text: 'tok ' }],
      ...(continuous ? { usage: usage(i + 1) } : {}),
    });
  }
  if (streamOptions.include_usage) send({ id: `cmpl-${n}`, choices: [], usage: usage(tokens) });
  res.end('data: [DONE]\n\n');
}

/** `node src/testing/slot-server.ts --slots 4 --ttft-ms 20 --itl-ms 2 [--port 0]`: prints its URL. */
if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      slots: { type: 'string', default: '4' },
      'ttft-ms': { type: 'string', default: '20' },
      'itl-ms': { type: 'string', default: '2' },
    },
  });
  const server = await startSlotServer(
    { slots: Number(values.slots), ttftMs: Number(values['ttft-ms']), itlMs: Number(values['itl-ms']) },
    Number(values.port),
  );
  console.log(`slot server listening on ${server.url}`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
