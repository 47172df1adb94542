import { ServebenchError } from '../core/errors.ts';
/** A set of GPUs handed to one test file for its lifetime. */
export interface Lease {
  id: string;
  gpus: string[];
}

export class NoFreeSlotError extends ServebenchError {
  constructor(message: string) {
    super(
      'SB_NO_FREE_SLOT',
      message,
      "raise the pool's GPU slots, or lower Vitest's maxWorkers to the number of slots",
    );
  }
}

/**
 * Hands out GPU slots. With maxWorkers = slots a slot is free whenever a worker starts, except
 * for the moment between one file finishing and its worker's lease coming back: acquire waits
 * for that, briefly, well inside the 90 s Vitest gives a worker's start().
 */
export class LeaseManager {
  private readonly free: string[][];
  private readonly held = new Map<string, string[]>();
  private readonly waiters: Array<() => void> = [];
  private counter = 0;
  readonly slots: readonly string[][];

  constructor(slots: string[][]) {
    this.slots = slots;
    this.free = slots.map((s) => [...s]);
  }

  async acquire(waitMs = 30_000): Promise<Lease> {
    const deadline = performance.now() + waitMs;
    while (this.free.length === 0) {
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new NoFreeSlotError(
          `all ${this.slots.length} GPU slot(s) stayed leased for ${waitMs / 1000} s; maxWorkers must not exceed the slot count`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const gpus = this.free.shift() as string[];
    const id = `lease-${++this.counter}`;
    this.held.set(id, gpus);
    return { id, gpus };
  }

  release(id: string): void {
    const gpus = this.held.get(id);
    if (!gpus) return;
    this.held.delete(id);
    this.free.push(gpus);
    this.waiters.shift()?.();
  }

  get(id: string): Lease | undefined {
    const gpus = this.held.get(id);
    return gpus ? { id, gpus } : undefined;
  }

  get inUse(): number {
    return this.held.size;
  }
}
