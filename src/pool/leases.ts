/** A set of GPUs handed to one test file for its lifetime. */
export interface Lease {
  id: string;
  gpus: string[];
}

export class NoFreeSlotError extends Error {
  readonly code = 'SB_NO_FREE_SLOT';
}

/**
 * Hands out GPU slots. Never waits: Vitest gives a worker's start() 90 s, and maxWorkers is set
 * to the slot count, so a free slot always exists when a worker starts.
 */
export class LeaseManager {
  private readonly free: string[][];
  private readonly held = new Map<string, string[]>();
  private counter = 0;
  readonly slots: readonly string[][];

  constructor(slots: string[][]) {
    this.slots = slots;
    this.free = slots.map((s) => [...s]);
  }

  acquire(): Lease {
    const gpus = this.free.shift();
    if (!gpus) {
      throw new NoFreeSlotError(
        `all ${this.slots.length} GPU slots are leased; maxWorkers must not exceed the slot count`,
      );
    }
    const id = `lease-${++this.counter}`;
    this.held.set(id, gpus);
    return { id, gpus };
  }

  release(id: string): void {
    const gpus = this.held.get(id);
    if (!gpus) return;
    this.held.delete(id);
    this.free.push(gpus);
  }

  get(id: string): Lease | undefined {
    const gpus = this.held.get(id);
    return gpus ? { id, gpus } : undefined;
  }

  get inUse(): number {
    return this.held.size;
  }
}
