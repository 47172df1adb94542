import { Worker } from 'node:worker_threads';
import type { RequestRecord } from '../metrics/record.ts';
import { modulePath } from '../runtime/module-path.ts';
import { startEventLoopMonitor } from './event-loop-monitor.ts';
import { runShard, type ShardPlan } from './shard.ts';
import { LocalSlots, SharedSlots, UnlimitedSlots } from './slots.ts';
import type { WorkerInput, WorkerMessage } from './worker.ts';

const workerEntry = modulePath(import.meta.url, './worker');

export type ExecutionPlan = Omit<ShardPlan, 'shardIndex' | 'shardCount' | 'startEpochMs'>;

export interface ExecutionOptions {
  workers: number;
  maxConcurrency: number | null;
  signal: AbortSignal;
  onRecord: (index: number, record: RequestRecord) => void;
}

export interface ExecutionReport {
  /** Worst p99 event-loop delay among the threads that sent load. */
  eventLoopDelayP99Ms: number;
  workers: number;
  startEpochMs: number;
}

/** Lead time before time zero so that every thread is ready when the first request is due. */
const START_LEAD_MS = 20;
const epochNow = () => performance.timeOrigin + performance.now();

/**
 * Runs a plan on this thread, or sharded across worker threads (request i goes to shard
 * i mod workers; closed-loop users and the concurrency cap stay global through shared memory).
 */
export async function execute(plan: ExecutionPlan, options: ExecutionOptions): Promise<ExecutionReport> {
  return options.workers <= 1 ? executeHere(plan, options) : executeInWorkers(plan, options);
}

async function executeHere(plan: ExecutionPlan, options: ExecutionOptions): Promise<ExecutionReport> {
  const stopMonitor = startEventLoopMonitor();
  const startEpochMs = epochNow() + START_LEAD_MS;
  let next = 0;
  await runShard(
    { ...plan, shardIndex: 0, shardCount: 1, startEpochMs },
    {
      slots: options.maxConcurrency ? new LocalSlots(options.maxConcurrency) : new UnlimitedSlots(),
      nextIndex: () => next++,
      onRecord: options.onRecord,
      signal: options.signal,
    },
  );
  return { eventLoopDelayP99Ms: stopMonitor(), workers: 1, startEpochMs };
}

async function executeInWorkers(plan: ExecutionPlan, options: ExecutionOptions): Promise<ExecutionReport> {
  const slotsBuffer = SharedSlots.buffer();
  const counterBuffer = new SharedArrayBuffer(4);
  // Workers take a moment to boot; give them a start time comfortably in the future.
  const startEpochMs = epochNow() + START_LEAD_MS + 200 * options.workers;
  const delays: number[] = [];
  const workers = Array.from({ length: options.workers }, (_, shardIndex) => {
    const input: WorkerInput = {
      plan: { ...plan, shardIndex, shardCount: options.workers, startEpochMs },
      maxConcurrency: options.maxConcurrency,
      slotsBuffer,
      counterBuffer,
    };
    return new Worker(workerEntry, { workerData: input });
  });
  const onAbort = () => {
    for (const w of workers) w.postMessage('abort');
  };
  options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.on('message', (message: WorkerMessage) => {
              if (message.type === 'records') {
                for (const [index, record] of message.batch) options.onRecord(index, record);
              } else {
                delays.push(message.eventLoopDelayP99Ms);
                resolve();
              }
            });
            worker.on('error', reject);
            worker.on('exit', (code) =>
              code === 0 ? resolve() : reject(new Error(`load worker exited with ${code}`)),
            );
          }),
      ),
    );
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return { eventLoopDelayP99Ms: Math.max(0, ...delays), workers: options.workers, startEpochMs };
}
