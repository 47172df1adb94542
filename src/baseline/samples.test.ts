import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../metrics/record.ts';
import { MAX_SAMPLES } from './entry.ts';
import { MIN_BIN_MS, samplesFromRecords } from './samples.ts';

/** A request sent at `sent` ms whose `tokens` tokens arrive every `gap` ms after a first one at +ttft. */
function record(sent: number, ttft: number, tokens = 10, gap = 10): RequestRecord {
  const chunk_ms = Array.from({ length: tokens }, (_, i) => sent + ttft + i * gap);
  return {
    ok: true,
    scheduled_ms: sent,
    sent_ms: sent,
    end_ms: (chunk_ms.at(-1) as number) + 1,
    chunk_ms,
    chunk_tokens: chunk_ms.map(() => 1),
    prompt_tokens: 100,
    output_tokens: tokens,
    error: null,
  };
}

describe('baseline samples', () => {
  it('are in send order (time order), whatever order the records come in, and thinning keeps it', () => {
    const records = Array.from({ length: 2500 }, (_, i) => record(i * 10, 1000 + i));
    const shuffled = records.toReversed();
    const s = samplesFromRecords(shuffled);
    expect(s.ttft).toHaveLength(MAX_SAMPLES);
    expect(s.ttft).toEqual(s.ttft.toSorted((a, b) => a - b));
    expect(s.ttft[0]).toBe(1000);
    expect(s.tpot).toHaveLength(MAX_SAMPLES);
  });

  it('bin output throughput over the steady part only, about 50 bins of at least 50 ms', () => {
    // 100 requests, one every 100 ms, each 10 tokens over ~190 ms: 100 tokens/s while steady.
    const records = Array.from({ length: 100 }, (_, i) => record(i * 100, 100));
    const s = samplesFromRecords(records);
    // Steady part: from the first request's end (~191 ms) to the last send (9900 ms).
    expect(s.outputTokensPerSecond).toHaveLength(50);
    expect(s.outputBinMs).toBeCloseTo((9900 - 191) / 50, 1);
    const mean = s.outputTokensPerSecond.reduce((a, b) => a + b, 0) / 50;
    expect(mean).toBeGreaterThan(95);
    expect(mean).toBeLessThan(105);
  });

  it('leave throughput empty when nothing is steady (the last request went out before the first ended)', () => {
    const s = samplesFromRecords([record(0, 500), record(10, 500)]);
    expect(s.outputTokensPerSecond).toEqual([]);
    expect(s.outputBinMs).toBe(MIN_BIN_MS);
  });

  it('skip failed and warm-up requests', () => {
    const bad = { ...record(0, 5), ok: false };
    const warm = { ...record(1, 7), warmup: true };
    expect(samplesFromRecords([bad, warm, record(2, 9)]).ttft).toEqual([9]);
  });

  it('take the samples of a long run: 200,000 records (no argument-list spread, which overflowed at 150,000)', () => {
    const s = samplesFromRecords(Array.from({ length: 200_000 }, (_, i) => record(i * 20, 50, 2)));
    expect(s.ttft).toHaveLength(MAX_SAMPLES);
    expect(s.outputTokensPerSecond.length).toBeGreaterThan(0);
  });
});
