import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import type { RequestRecord } from '../metrics/record.ts';
import { percentile, sorted } from '../metrics/stats.ts';
import { ProgressTracker } from './progress.ts';

const record = (ttft: number): RequestRecord => ({
  ok: true,
  scheduled_ms: 0,
  sent_ms: 0,
  end_ms: ttft + 10,
  chunk_ms: [ttft],
  chunk_tokens: [1],
  prompt_tokens: 1,
  output_tokens: 1,
  error: null,
});

/** The median time of `runs` calls of `f`, in ms (the median shrugs off a busy host's hiccups). */
function medianMs(f: () => void, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    times.push(performance.now() - t);
  }
  return percentile(times, 50);
}

describe('progress in constant memory and constant time per tick', () => {
  it('a snapshot over 200,000 records costs a small fraction of sorting their TTFTs, and its p99 is within 2%', () => {
    const rng = createRng(3);
    const ttfts = Array.from({ length: 200_000 }, () => 20 * Math.exp(rng.normal() * 0.8));
    const tracker = new ProgressTracker(null);
    for (const t of ttfts) tracker.add(record(t));
    // The reference, measured here: what a tick cost when it sorted every TTFT so far.
    const sortOnce = medianMs(() => percentile(ttfts, 99), 5);
    const tick = medianMs(() => tracker.snapshot(), 51);
    expect(tick).toBeLessThan(sortOnce / 20);
    const exact = percentile(sorted(ttfts), 99);
    expect(Math.abs(tracker.snapshot().p99TtftMs - exact) / exact).toBeLessThan(0.02);
  });

  it('a tick at 200,000 records costs what it costs at 1,000 (within noise)', () => {
    const small = new ProgressTracker(null);
    const large = new ProgressTracker(null);
    for (let i = 0; i < 1_000; i++) small.add(record(10 + (i % 97)));
    for (let i = 0; i < 200_000; i++) large.add(record(10 + (i % 97)));
    const smallTick = medianMs(() => small.snapshot(), 201);
    const largeTick = medianMs(() => large.snapshot(), 201);
    // A sort of all TTFTs would make the large tick ~300x the small one.
    expect(largeTick).toBeLessThan(smallTick * 5 + 0.05);
  });

  it('counts failures and skips warm-up TTFTs', () => {
    const t = new ProgressTracker(3);
    t.add(record(50));
    t.add({ ...record(9999), warmup: true });
    t.add({ ...record(1), ok: false });
    const s = t.snapshot();
    expect([s.done, s.failed, s.total]).toEqual([3, 1, 3]);
    expect(s.p99TtftMs).toBeGreaterThan(49);
    expect(s.p99TtftMs).toBeLessThan(51);
  });
});
