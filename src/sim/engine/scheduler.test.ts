import { describe, expect, it } from 'vitest';
import { hardwareProfiles } from '../profiles/hardware.ts';
import { modelProfiles } from '../profiles/models.ts';
import { KvCache } from './kv-cache.ts';
import { runOffline } from './offline.ts';
import { Scheduler } from './scheduler.ts';
import { Sequence } from './sequence.ts';

const noop = { onTokens: () => {}, onFinish: () => {} };
const seq = (id: string, promptTokens: number, outputTokens: number) =>
  new Sequence({ id, promptTokens, outputTokens, finishReason: 'length', sink: noop });

/** Steps a scheduler to completion, returning how many steps it took. */
function drain(s: Scheduler, limit = 10_000): number {
  let steps = 0;
  while (s.hasWork() && steps < limit) {
    s.complete(s.schedule());
    steps++;
  }
  return steps;
}

describe('scheduler', () => {
  it('chunks a long prompt over steps within the token budget, then decodes one token per step', () => {
    const s = new Scheduler({ maxNumSeqs: 8, maxNumBatchedTokens: 512 }, new KvCache(1000));
    const a = seq('a', 1200, 3);
    s.add(a);
    const first = s.schedule();
    expect(first.items).toEqual([expect.objectContaining({ newTokens: 512, sampled: false })]);
    expect(s.complete(first)).toEqual([]);
    s.complete(s.schedule()); // 1024
    const third = s.schedule();
    expect(third.items[0]).toMatchObject({ computedTokens: 1024, newTokens: 176, sampled: true });
    expect(s.complete(third)).toEqual([{ seq: a, index: 0, finished: false }]);
    expect(s.schedule().items[0]).toMatchObject({ newTokens: 1, computedTokens: 1200 });
  });

  it('admits at most max-num-seqs and mixes decodes with new prefills', () => {
    const s = new Scheduler({ maxNumSeqs: 2, maxNumBatchedTokens: 2048 }, new KvCache(1000));
    for (const id of ['a', 'b', 'c']) s.add(seq(id, 10, 5));
    const batch = s.schedule();
    expect(batch.items.map((i) => i.seq.id)).toEqual(['a', 'b']);
    expect(s.waiting.map((q) => q.id)).toEqual(['c']);
    expect(drain(s)).toBeGreaterThan(5);
    expect(s.kv.freeBlocks).toBe(1000);
  });

  it('preempts the newest running sequence by recompute when KV blocks run out, and still finishes all', () => {
    // 10 blocks = 160 tokens; three sequences that each grow to 100 tokens cannot all stay.
    const s = new Scheduler({ maxNumSeqs: 8, maxNumBatchedTokens: 4096 }, new KvCache(10));
    const seqs = ['a', 'b', 'c'].map((id) => seq(id, 40, 60));
    for (const q of seqs) s.add(q);
    drain(s);
    expect(s.preemptions).toBeGreaterThan(0);
    for (const q of seqs) {
      expect(q.state).toBe('finished');
      expect(q.generated).toBe(60);
    }
    expect(seqs[0]?.preemptions).toBe(0);
    expect(s.kv.freeBlocks).toBe(10);
  });

  it('drops an aborted sequence and returns its blocks', () => {
    const s = new Scheduler({ maxNumSeqs: 8, maxNumBatchedTokens: 2048 }, new KvCache(100));
    const a = seq('a', 100, 50);
    s.add(a);
    s.complete(s.schedule());
    expect(s.kv.freeBlocks).toBeLessThan(100);
    s.abort(a);
    expect(s.running).toEqual([]);
    expect(s.kv.freeBlocks).toBe(100);
  });
});

describe('engine in virtual time', () => {
  const base = {
    hardware: hardwareProfiles['RTX-4090'],
    model: modelProfiles['Qwen/Qwen2.5-1.5B-Instruct'],
    tensorParallelSize: 1,
    dataParallelSize: 1,
    maxNumSeqs: 16,
    maxNumBatchedTokens: 2048,
    gpuMemoryUtilization: 0.9,
    mpsActiveThreadPercentage: 100,
  };

  it('queues past max-num-seqs: TTFT jumps once concurrency exceeds the running limit', () => {
    const burst = (n: number) =>
      Array.from({ length: n }, () => ({ at: 0, promptTokens: 10, outputTokens: 100 }));
    const fits = runOffline(base, burst(16));
    const over = runOffline(base, burst(32));
    const maxTtft = (r: typeof fits) => Math.max(...r.results.map((x) => x.ttft));
    expect(maxTtft(over)).toBeGreaterThan(10 * maxTtft(fits));
    expect(over.results).toHaveLength(32);
  });

  it('spreads load over data-parallel engines and scales throughput', () => {
    const load = Array.from({ length: 400 }, (_, i) => ({
      at: i / 40,
      promptTokens: 1024,
      outputTokens: 128,
    }));
    const options = {
      ...base,
      hardware: hardwareProfiles.H100,
      model: modelProfiles['meta-llama/Llama-3.1-8B-Instruct'],
      maxNumSeqs: 48,
    };
    const one = runOffline({ ...options, maxNumBatchedTokens: 8192 }, load);
    const four = runOffline({ ...options, maxNumBatchedTokens: 8192, dataParallelSize: 4 }, load);
    expect(four.results.length / four.duration).toBeGreaterThan(2 * (one.results.length / one.duration));
  });
});
