import { parentPort, workerData } from 'node:worker_threads';
import type { RequestRecord } from '../metrics/record.ts';
import { startEventLoopMonitor } from './event-loop-monitor.ts';
import { runShard, type ShardPlan } from './shard.ts';
import { SharedSlots, UnlimitedSlots } from './slots.ts';

/** Worker-thread entry: runs one shard and streams its records back in small batches. */
export interface WorkerInput {
  plan: ShardPlan;
  maxConcurrency: number | null;
  slotsBuffer: SharedArrayBuffer;
  counterBuffer: SharedArrayBuffer;
}

export type WorkerMessage =
  | { type: 'records'; batch: Array<[number, RequestRecord]> }
  | { type: 'done'; eventLoopDelayP99Ms: number };

const BATCH_INTERVAL_MS = 100;

if (parentPort) {
  const port = parentPort;
  const input = workerData as WorkerInput;
  const abort = new AbortController();
  port.on('message', (message) => {
    if (message === 'abort') abort.abort();
  });
  const counter = new Int32Array(input.counterBuffer);
  let batch: Array<[number, RequestRecord]> = [];
  const flush = () => {
    if (batch.length === 0) return;
    port.postMessage({ type: 'records', batch } satisfies WorkerMessage);
    batch = [];
  };
  const flusher = setInterval(flush, BATCH_INTERVAL_MS);
  const stopMonitor = startEventLoopMonitor();
  await runShard(input.plan, {
    slots: input.maxConcurrency
      ? new SharedSlots(input.slotsBuffer, input.maxConcurrency)
      : new UnlimitedSlots(),
    nextIndex: () => Atomics.add(counter, 0, 1),
    onRecord: (index, record) => batch.push([index, record]),
    signal: abort.signal,
  });
  clearInterval(flusher);
  flush();
  port.postMessage({ type: 'done', eventLoopDelayP99Ms: stopMonitor() } satisfies WorkerMessage);
}
