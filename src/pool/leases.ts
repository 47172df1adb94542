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

/** How long a release waits for its hooks before the GPUs are freed anyway. */
const RELEASE_TIMEOUT_MS = 45_000;

/** Runs when a lease ends, before its GPUs go to anyone else (stops the lease's servers). */
export type ReleaseHook = (lease: Lease) => Promise<void> | void;

/**
 * Hands out GPU slots. With maxWorkers = slots a slot is free whenever a worker starts, except
 * for the moment between one file finishing and its lease coming back: a released lease's GPUs
 * are free only once its release hooks are done (its servers stopped, so the next file never
 * meets them on its GPUs). acquire waits for that, well inside the 90 s Vitest gives a worker's
 * start().
 */
export class LeaseManager {
  private readonly free: string[][];
  private readonly held = new Map<string, string[]>();
  private readonly releasing = new Map<string, Promise<void>>();
  private readonly waiters: Array<() => void> = [];
  private readonly hooks: ReleaseHook[] = [];
  private counter = 0;
  readonly slots: readonly string[][];

  constructor(slots: string[][]) {
    this.slots = slots;
    this.free = slots.map((s) => [...s]);
  }

  /** Adds a hook that runs (and is awaited) when a lease ends, before its GPUs are free again. */
  onRelease(hook: ReleaseHook): void {
    this.hooks.push(hook);
  }

  async acquire(waitMs = 60_000): Promise<Lease> {
    const deadline = performance.now() + waitMs;
    while (this.free.length === 0) {
      const left = deadline - performance.now();
      if (left <= 0) {
        const draining =
          this.releasing.size > 0 ? `, ${this.releasing.size} of them still stopping their servers` : '';
        throw new NoFreeSlotError(
          `all ${this.slots.length} GPU slot(s) stayed leased for ${waitMs / 1000} s${draining}; maxWorkers must not exceed the slot count`,
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

  /**
   * Ends a lease: runs the release hooks, then frees its GPUs. Resolves when they are free;
   * idempotent (a second call waits for the same release). A hook that fails does not keep the
   * GPUs: they are freed anyway.
   */
  release(id: string): Promise<void> {
    const pending = this.releasing.get(id);
    if (pending) return pending;
    const gpus = this.held.get(id);
    if (!gpus) return Promise.resolve();
    const lease = { id, gpus };
    const done = (async () => {
      const hooks = Promise.all(
        this.hooks.map((hook) =>
          Promise.resolve()
            .then(() => hook(lease))
            .catch(() => {}),
        ),
      );
      // Bounded (stopping a server takes its grace period and a kill): the next file must get a slot
      // inside Vitest's 90 s worker start, even if something refuses to stop.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), RELEASE_TIMEOUT_MS);
        timer.unref();
      });
      if ((await Promise.race([hooks, late])) === 'late')
        process.stderr.write(
          `servebench: the servers of GPU slot ${gpus.join('+')} did not stop within ${RELEASE_TIMEOUT_MS / 1000} s; the slot goes to the next test file anyway\n`,
        );
      clearTimeout(timer);
      this.held.delete(id);
      this.releasing.delete(id);
      this.free.push(gpus);
      this.waiters.shift()?.();
    })();
    this.releasing.set(id, done);
    return done;
  }

  /** A lease that is held and not being released. */
  get(id: string): Lease | undefined {
    const gpus = this.held.get(id);
    return gpus && !this.releasing.has(id) ? { id, gpus } : undefined;
  }

  get inUse(): number {
    return this.held.size;
  }
}
