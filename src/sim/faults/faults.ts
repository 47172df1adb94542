import type { FaultOptions } from '../config.ts';
import { mix } from '../text/hash.ts';

/** What happens to one generation request; decided when it arrives, from --seed. */
export interface RequestFaults {
  /** Answer with this status at once instead of generating. */
  readonly rejectStatus?: number;
  /** Withhold the stream for `ms` after `afterTokens` tokens. */
  readonly stall?: { readonly afterTokens: number; readonly ms: number };
  /** Write one malformed SSE event after the first token. */
  readonly malformed?: boolean;
  /** Destroy the connection after this many tokens. */
  readonly dropAfterTokens?: number;
}

/** Per-request fault draws; deterministic for a given seed and request order. */
export class FaultPlan {
  readonly options: FaultOptions;
  readonly #seed: number;
  #requests = 0;

  constructor(options: FaultOptions, seed: number) {
    this.options = options;
    this.#seed = seed;
  }

  /** True when the crash fault fires for the request arriving now. */
  arrive(): { crash: boolean; faults: RequestFaults } {
    const n = this.#requests++;
    const o = this.options;
    const crash = o.faultCrashAfter !== undefined && n >= o.faultCrashAfter;
    const draw = (salt: number): number => mix(this.#seed, n, salt) / 4294967296;
    const faults: {
      rejectStatus?: number;
      stall?: { afterTokens: number; ms: number };
      malformed?: boolean;
      dropAfterTokens?: number;
    } = {};
    if (draw(1) < o.fault429Rate) faults.rejectStatus = 429;
    else if (draw(2) < o.faultErrorRate) faults.rejectStatus = o.faultErrorStatus;
    if (draw(3) < o.faultStallRate)
      faults.stall = { afterTokens: o.faultStallAfterTokens, ms: o.faultStallMs };
    if (draw(4) < o.faultMalformedSseRate) faults.malformed = true;
    if (draw(5) < o.faultDropRate) faults.dropAfterTokens = o.faultDropAfterTokens;
    return { crash, faults };
  }
}
