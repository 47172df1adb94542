import {
  ForksPoolWorker,
  type PoolOptions,
  type PoolRunnerInitializer,
  type WorkerRequest,
} from 'vitest/node';
import type { Lease, LeaseManager } from './leases.ts';

/** Env the pool gives each test file's worker (on a copy: the env object is shared by all tasks). */
export interface LeaseEnv {
  leaseEnv(lease: Lease): Promise<Record<string, string>>;
}

/**
 * A forks pool whose workers each hold a GPU lease while they run a test file: the lease's GPUs
 * go into CUDA_VISIBLE_DEVICES and the broker's URL into the worker's env.
 */
export function leasedPool(leases: LeaseManager, env: LeaseEnv): PoolRunnerInitializer {
  class LeasedForksWorker extends ForksPoolWorker {
    override readonly name = 'servebench';
    private lease: Lease | null = null;

    constructor(options: PoolOptions) {
      super(options);
    }

    override async start(): Promise<void> {
      this.lease = await leases.acquire();
      this.env = { ...this.env, ...(await env.leaseEnv(this.lease)) };
      await super.start();
    }

    override send(message: WorkerRequest): void {
      // Vitest starts the next worker right after asking this one to stop, and calls stop() only
      // once the worker has answered: the stop request is the moment the file is done. The
      // release stops the file's servers; the next worker's acquire() waits until they are gone.
      if (message.type === 'stop') this.releaseLease();
      super.send(message);
    }

    override async stop(): Promise<void> {
      this.releaseLease();
      await super.stop();
    }

    private releaseLease(): void {
      if (this.lease) void leases.release(this.lease.id);
      this.lease = null;
    }
  }
  return { name: 'servebench', createPoolWorker: (options) => new LeasedForksWorker(options) };
}
