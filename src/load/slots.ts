/**
 * Concurrency slots: the max-concurrency cap of open-loop runs. LocalSlots is FIFO within one
 * thread; SharedSlots keeps one global cap across worker threads through a SharedArrayBuffer.
 */
export interface Slots {
  /** Resolves when a slot is held: `true` if it had to wait for one, `false` if one was free. */
  acquire(): Promise<boolean>;
  release(): void;
}

export class UnlimitedSlots implements Slots {
  acquire(): Promise<boolean> {
    return Promise.resolve(false);
  }
  release(): void {}
}

export class LocalSlots implements Slots {
  private free: number;
  private readonly waiters: Array<(waited: boolean) => void> = [];
  constructor(capacity: number) {
    this.free = capacity;
  }
  acquire(): Promise<boolean> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(false);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next(true);
    else this.free++;
  }
}

/** Cell 0 of the Int32Array counts slots in use. */
export class SharedSlots implements Slots {
  private readonly cells: Int32Array;
  private readonly capacity: number;
  constructor(buffer: SharedArrayBuffer, capacity: number) {
    this.cells = new Int32Array(buffer);
    this.capacity = capacity;
  }
  static buffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(4);
  }
  async acquire(): Promise<boolean> {
    let waited = false;
    for (;;) {
      const used = Atomics.load(this.cells, 0);
      if (used < this.capacity) {
        if (Atomics.compareExchange(this.cells, 0, used, used + 1) === used) return waited;
        continue;
      }
      waited = true;
      const wait = Atomics.waitAsync(this.cells, 0, used);
      if (wait.async) await wait.value;
    }
  }
  release(): void {
    Atomics.sub(this.cells, 0, 1);
    Atomics.notify(this.cells, 0, 1);
  }
}
