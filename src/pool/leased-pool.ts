import { ForksPoolWorker, type PoolOptions, type PoolRunnerInitializer } from 'vitest/node';
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
      this.lease = leases.acquire();
      this.env = { ...this.env, ...(await env.leaseEnv(this.lease)) };
      await super.start();
    }

    override async stop(): Promise<void> {
      // Released first: Vitest starts the next worker without awaiting this stop().
      if (this.lease) leases.release(this.lease.id);
      this.lease = null;
      await super.stop();
    }
  }
  return { name: 'servebench', createPoolWorker: (options) => new LeasedForksWorker(options) };
}
