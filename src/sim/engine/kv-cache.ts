import { BLOCK_SIZE } from '../perf/memory.ts';
import type { Sequence } from './sequence.ts';

/** Paged KV cache accounting: a pool of fixed-size blocks, allocated as sequences grow. */
export class KvCache {
  readonly totalBlocks: number;
  #free: number;

  constructor(totalBlocks: number) {
    this.totalBlocks = totalBlocks;
    this.#free = totalBlocks;
  }

  get freeBlocks(): number {
    return this.#free;
  }

  get usage(): number {
    return this.totalBlocks === 0 ? 0 : (this.totalBlocks - this.#free) / this.totalBlocks;
  }

  static blocksFor(tokens: number): number {
    return Math.ceil(tokens / BLOCK_SIZE);
  }

  /** Grows `seq` to hold `tokens` tokens; false (and nothing changed) when blocks run out. */
  allocate(seq: Sequence, tokens: number): boolean {
    const need = KvCache.blocksFor(tokens) - seq.blocks;
    if (need <= 0) return true;
    if (need > this.#free) return false;
    this.#free -= need;
    seq.blocks += need;
    return true;
  }

  free(seq: Sequence): void {
    this.#free += seq.blocks;
    seq.blocks = 0;
  }
}
