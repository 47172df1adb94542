import type { Engine } from './engine.ts';

/**
 * Data parallelism: N independent engines behind one front end. Requests go to the engine with
 * the lowest load score (vLLM's DP coordinator: waiting x 4 + running), ties broken round-robin.
 */
export class LeastLoadedRouter {
  readonly engines: readonly Engine[];
  #next = 0;

  constructor(engines: readonly Engine[]) {
    if (engines.length === 0) throw new Error('LeastLoadedRouter needs at least one engine');
    this.engines = engines;
  }

  pick(): Engine {
    const n = this.engines.length;
    let best = this.engines[this.#next % n] as Engine;
    for (let k = 1; k < n; k++) {
      const candidate = this.engines[(this.#next + k) % n] as Engine;
      if (candidate.load < best.load) best = candidate;
    }
    this.#next = (best.index + 1) % n;
    return best;
  }
}
