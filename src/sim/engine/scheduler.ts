import type { BatchItem } from '../perf/step-time.ts';
import type { KvCache } from './kv-cache.ts';
import type { Sequence } from './sequence.ts';

export interface SchedulerLimits {
  /** vLLM --max-num-seqs: sequences running at once. */
  readonly maxNumSeqs: number;
  /** vLLM --max-num-batched-tokens: the token budget of one step (chunked prefill). */
  readonly maxNumBatchedTokens: number;
}

export interface ScheduledItem extends BatchItem {
  readonly seq: Sequence;
}

export interface Batch {
  readonly items: ScheduledItem[];
  /** Sequences preempted (by recompute) while building this batch. */
  readonly preempted: Sequence[];
}

export interface TokenEvent {
  readonly seq: Sequence;
  /** Index of the generated token. */
  readonly index: number;
  readonly finished: boolean;
}

/**
 * vLLM v1's scheduler without prefix caching or speculation: running sequences first (in
 * order), each getting what it still needs within the step's token budget, preempting the most
 * recently admitted running sequence (recompute) when KV blocks run out; then waiting sequences
 * in FCFS order while budget, `max-num-seqs` and KV blocks allow. Prompts longer than the
 * remaining budget are chunked across steps.
 */
export class Scheduler {
  readonly waiting: Sequence[] = [];
  readonly running: Sequence[] = [];
  readonly limits: SchedulerLimits;
  readonly kv: KvCache;
  preemptions = 0;

  constructor(limits: SchedulerLimits, kv: KvCache) {
    this.limits = limits;
    this.kv = kv;
  }

  add(seq: Sequence): void {
    seq.state = 'waiting';
    this.waiting.push(seq);
  }

  hasWork(): boolean {
    return this.waiting.length > 0 || this.running.length > 0;
  }

  /** Removes a sequence (client went away); a batch in flight skips it on completion. */
  abort(seq: Sequence): void {
    if (seq.state === 'finished') return;
    const list = seq.state === 'waiting' ? this.waiting : this.running;
    const i = list.indexOf(seq);
    if (i >= 0) list.splice(i, 1);
    this.kv.free(seq);
    seq.state = 'finished';
  }

  schedule(): Batch {
    const items: ScheduledItem[] = [];
    const preempted: Sequence[] = [];
    let budget = this.limits.maxNumBatchedTokens;

    let i = 0;
    while (i < this.running.length && budget > 0) {
      const seq = this.running[i] as Sequence;
      const newTokens = Math.min(seq.tokens - seq.computed, budget);
      let scheduled = true;
      while (!this.kv.allocate(seq, seq.computed + newTokens)) {
        const victim = this.running.pop() as Sequence;
        this.#preempt(victim);
        preempted.push(victim);
        if (victim === seq) {
          scheduled = false;
          break;
        }
      }
      if (!scheduled) break;
      items.push({
        seq,
        computedTokens: seq.computed,
        newTokens,
        sampled: seq.computed + newTokens === seq.tokens,
      });
      budget -= newTokens;
      i++;
    }

    if (preempted.length === 0) {
      while (this.waiting.length > 0 && budget > 0 && this.running.length < this.limits.maxNumSeqs) {
        const seq = this.waiting[0] as Sequence;
        const newTokens = Math.min(seq.tokens - seq.computed, budget);
        if (!this.kv.allocate(seq, seq.computed + newTokens)) break;
        this.waiting.shift();
        seq.state = 'running';
        this.running.push(seq);
        items.push({
          seq,
          computedTokens: seq.computed,
          newTokens,
          sampled: seq.computed + newTokens === seq.tokens,
        });
        budget -= newTokens;
      }
    }
    return { items, preempted };
  }

  #preempt(seq: Sequence): void {
    this.kv.free(seq);
    seq.computed = 0;
    seq.preemptions++;
    seq.state = 'waiting';
    this.preemptions++;
    this.waiting.unshift(seq);
  }

  /** Applies a finished step: KV progress, one sampled token per sampling sequence, finishes. */
  complete(batch: Batch): TokenEvent[] {
    const events: TokenEvent[] = [];
    let finishedAny = false;
    for (const item of batch.items) {
      const seq = item.seq;
      if (seq.state !== 'running') continue;
      seq.computed = item.computedTokens + item.newTokens;
      if (!item.sampled) continue;
      const index = seq.generated;
      seq.generated++;
      const finished = seq.generated >= seq.outputTokens;
      if (finished) {
        this.kv.free(seq);
        seq.state = 'finished';
        finishedAny = true;
      }
      events.push({ seq, index, finished });
    }
    if (finishedAny) {
      let w = 0;
      for (const seq of this.running) if (seq.state === 'running') this.running[w++] = seq;
      this.running.length = w;
    }
    return events;
  }
}
