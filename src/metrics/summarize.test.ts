import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import { bootstrapPercentileCi, MAX_BOOTSTRAP_SAMPLES, orderStatisticCi } from './bootstrap.ts';
import { perTokenItl, requestLatencies } from './per-request.ts';
import type { RequestRecord } from './record.ts';
import { mean, percentile, std } from './stats.ts';
import { summarize } from './summarize.ts';

const rec = (o: Partial<RequestRecord>): RequestRecord => ({
  ok: true,
  scheduled_ms: 0,
  sent_ms: 0,
  end_ms: 0,
  chunk_ms: [],
  chunk_tokens: [],
  prompt_tokens: 10,
  output_tokens: 0,
  error: null,
  ...o,
});

/*
 * Hand-computed trace:
 *  A: scheduled 0, sent 1, chunks 11, 15, 21 (1 token each), end 22, 3 output tokens
 *     TTFT 10, E2EL 20, TPOT (20-10)/2 = 5, ITL 4, 6; queued TTFT 11
 *  B: scheduled 100, sent 100, chunks 130, 150 (2 tokens in the second), 3 output tokens, end 1100
 *     TTFT 30, E2EL 50, TPOT (50-30)/2 = 10, ITL 20; per-token ITL 10, 10
 *  C: failed at 400.  W: warm-up, ignored.
 * duration = max(end) - the run's time zero = 1100 ms.
 */
const trace = [
  rec({
    scheduled_ms: 0,
    sent_ms: 1,
    chunk_ms: [11, 15, 21],
    chunk_tokens: [1, 1, 1],
    end_ms: 22,
    output_tokens: 3,
  }),
  rec({
    scheduled_ms: 100,
    sent_ms: 100,
    chunk_ms: [130, 150],
    chunk_tokens: [1, 2],
    end_ms: 1100,
    output_tokens: 3,
    prompt_tokens: 20,
  }),
  rec({
    ok: false,
    scheduled_ms: 200,
    sent_ms: 200,
    end_ms: 400,
    error: 'HTTP 500',
    error_code: 'SB_HTTP_STATUS',
  }),
  rec({
    warmup: true,
    scheduled_ms: -5000,
    sent_ms: -5000,
    chunk_ms: [-4000],
    chunk_tokens: [1],
    end_ms: 9999,
    output_tokens: 1,
  }),
];

describe('summarize (vLLM definitions)', () => {
  const s = summarize(trace, { goodput: { ttft: 20 }, percentiles: [50, 99], maxFailureRate: 0.5 });

  it('counts, tokens, duration and throughputs', () => {
    expect(s.completed).toBe(2);
    expect(s.failed).toBe(1);
    expect(s.total_input_tokens).toBe(30);
    expect(s.total_output_tokens).toBe(6);
    expect(s.duration).toBeCloseTo(1.1, 12);
    expect(s.request_throughput).toBeCloseTo(2 / 1.1, 12);
    expect(s.output_throughput).toBeCloseTo(6 / 1.1, 12);
    expect(s.total_token_throughput).toBeCloseTo(36 / 1.1, 12);
    expect(s.request_goodput).toBeCloseTo(1 / 1.1, 12);
    expect(s.failures).toEqual({ SB_HTTP_STATUS: 1 });
  });

  it('TTFT, TPOT, ITL, E2EL statistics', () => {
    expect(s.mean_ttft_ms).toBe(20);
    expect(s.p99_ttft_ms).toBeCloseTo(10 + 0.99 * 20, 10);
    expect(s.mean_tpot_ms).toBe(7.5);
    expect(s.median_itl_ms).toBe(6);
    expect(s.mean_itl_ms).toBe(10);
    expect(s.std_e2el_ms).toBe(15);
    expect(s.mean_queued_ttft_ms).toBe(20.5);
    expect(s.mean_token_itl_ms).toBeCloseTo((4 + 6 + 10 + 10) / 4, 12);
  });

  it("duration counts from the run's time zero, as vLLM's includes the first request's delay", () => {
    const measured = trace.filter((r) => !r.warmup).map((r) => ({ ...r, scheduled_ms: r.scheduled_ms + 50 }));
    // No warm-up: from 0, though the first request was due at 50 ms.
    expect(summarize(measured, { maxFailureRate: 1 }).duration).toBeCloseTo(1.1, 12);
    // After warm-ups the measured part starts at its first scheduled send.
    const warm = { ...(trace[3] as RequestRecord), scheduled_ms: 0, sent_ms: 0, end_ms: 20, chunk_ms: [10] };
    expect(summarize([warm, ...measured], { maxFailureRate: 1 }).duration).toBeCloseTo(1.05, 12);
  });

  it('offered_rate: the rate the measured sends went out at (gaps over their span), null when none applies', () => {
    // Measured sends at 1, 100 and 200 ms (the warm-up's is left out): two gaps over 0.199 s.
    expect(s.offered_rate).toBeCloseTo(2 / 0.199, 12);
    expect(summarize(trace, { closedLoop: true }).offered_rate).toBeNull();
    expect(summarize(trace.slice(0, 1)).offered_rate).toBeNull();
    expect(summarize([]).offered_rate).toBeNull();
  });

  it('bootstrap intervals for the queue-inclusive TTFT and E2EL, as for the send-based ones', () => {
    const many = Array.from({ length: 40 }, (_, i) =>
      rec({
        scheduled_ms: i * 10,
        sent_ms: i * 10 + (i % 4) * 50,
        chunk_ms: [i * 10 + (i % 4) * 50 + 20 + (i % 7)],
        chunk_tokens: [1],
        end_ms: i * 10 + (i % 4) * 50 + 30,
        output_tokens: 1,
      }),
    );
    const m = summarize(many, { percentiles: [99] });
    for (const key of ['p99_ttft_ms', 'p99_e2el_ms', 'p99_queued_ttft_ms', 'p99_queued_e2el_ms']) {
      const [lo, hi] = m.ci95[key] as [number, number];
      expect(lo).toBeLessThanOrEqual(m[key] as number);
      expect(hi).toBeGreaterThanOrEqual(lo);
    }
    // Queue-inclusive TTFT counts the 0..150 ms each request waited before its send.
    expect(m.p99_queued_ttft_ms).toBeGreaterThan((m.p99_ttft_ms as number) + 100);
  });

  it('flags too many failures as invalid with the reason', () => {
    const strict = summarize(trace, { maxFailureRate: 0.1 });
    expect(strict.valid).toBe(false);
    expect(strict.invalid_reasons.join()).toMatch(/1 of 3 requests failed .*SB_HTTP_STATUS: 1/);
    expect(s.valid).toBe(true);
  });

  it('flags a client whose send timing was off, judged at a quantile the sample supports', () => {
    const late = summarize(
      trace.map((r) => ({ ...r, lateness_ms: 25 })),
      { maxFailureRate: 1 },
    );
    expect(late.valid).toBe(false);
    expect(late.invalid_reasons.join()).toMatch(
      /send timing was off: p50 send lateness 25.0 ms > 10 ms allowed/,
    );
    expect(late.invalid_reasons.join()).toMatch(/maxLatenessP99Ms in the load profile/);
  });
});

/** `n` plausible records: sends every 20 ms, `chunks` chunks each, every 13th request failed. */
function synthetic(n: number, chunks: number, seed = 1): RequestRecord[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => {
    const sent = i * 20 + rng.next() * 5;
    const chunkMs: number[] = [];
    let t = sent + 30 + rng.next() * 200;
    for (let c = 0; c < chunks; c++) {
      chunkMs.push(t);
      t += 5 + rng.next() * 20;
    }
    const tokens = chunkMs.map((_, c) => 1 + ((i + c) % 3));
    const ok = i % 13 !== 5;
    return rec({
      ok,
      scheduled_ms: i * 20,
      sent_ms: sent,
      end_ms: ok ? t : sent + 10,
      chunk_ms: ok ? chunkMs : [],
      chunk_tokens: ok ? tokens : [],
      output_tokens: ok ? tokens.reduce((a, b) => a + b, 0) : 0,
      prompt_tokens: 100 + (i % 50),
      error: ok ? null : 'HTTP 500',
      error_code: ok ? null : 'SB_HTTP_STATUS',
      lateness_ms: rng.next(),
    });
  });
}

describe('summaries of long runs: bounded memory and time', () => {
  it('summarizes 200,000 records (no argument-list spread: that threw a RangeError at 150,000)', () => {
    const records = synthetic(200_000, 8);
    const s = summarize(records, { maxFailureRate: 1 });
    const failed = records.filter((r) => !r.ok).length;
    expect(s.completed).toBe(200_000 - failed);
    expect(s.failed).toBe(failed);
    const lastEnd = records.reduce((m, r) => Math.max(m, r.end_ms), 0);
    expect(s.duration).toBeCloseTo(lastEnd / 1000, 9);
    expect(s.p99_ttft_ms as number).toBeGreaterThan(30);
    expect(s.max_concurrent_requests).toBeGreaterThan(1);
    expect(Object.keys(s.ci95)).toContain('p99_ttft_ms');
  });

  it('gives what the per-request definitions give, key by key (the typed-array pass changes no number)', () => {
    const records = synthetic(2_000, 6, 7);
    const percentiles = [50, 90, 99];
    const s = summarize(records, { percentiles, goodput: { ttft: 150, tpot: 8 }, maxFailureRate: 1 });
    const ok = records.filter((r) => r.ok);
    const lat = ok.map(requestLatencies);
    const reference: Record<string, number[]> = {
      ttft: lat.map((l) => l.ttft),
      tpot: lat.filter((_, i) => (ok[i] as RequestRecord).output_tokens > 1).map((l) => l.tpot),
      itl: lat.flatMap((l) => l.itl),
      e2el: lat.map((l) => l.e2el),
      queued_ttft: lat.map((l) => l.queuedTtft),
      queued_e2el: lat.map((l) => l.queuedE2el),
      token_itl: ok.flatMap(perTokenItl),
    };
    for (const [name, values] of Object.entries(reference)) {
      expect(s[`mean_${name}_ms`], name).toBe(mean(values));
      expect(s[`std_${name}_ms`], name).toBe(std(values));
      expect(s[`median_${name}_ms`], name).toBe(percentile(values, 50));
      for (const p of percentiles) expect(s[`p${p}_${name}_ms`], name).toBe(percentile(values, p));
    }
    const good = lat.filter((l) => l.ttft <= 150 && l.tpot <= 8).length;
    expect(s.request_goodput).toBeCloseTo(good / s.duration, 12);
    // In flight at once, by sorting every start and end event (ends first on a tie).
    const events = records.flatMap((r) => [
      [r.sent_ms, 1],
      [r.end_ms, -1],
    ]) as Array<[number, number]>;
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let current = 0;
    let peak = 0;
    for (const [, d] of events) {
      current += d;
      peak = Math.max(peak, current);
    }
    expect(s.max_concurrent_requests).toBe(peak);
  });

  it(`past ${MAX_BOOTSTRAP_SAMPLES} samples the interval comes from order statistics, close to a bootstrap's`, () => {
    const rng = createRng(5);
    const values = Float64Array.from({ length: 50_000 }, () => 100 * Math.exp(rng.normal() * 0.5));
    const sortedValues = Float64Array.from(values).sort();
    const ours = orderStatisticCi(sortedValues, [50, 99]);
    const bootstrap = bootstrapPercentileCi(values, [50, 99], { resamples: 200 });
    for (const [i, p] of [50, 99].entries()) {
      const [lo, hi] = ours[i] as [number, number];
      const [blo, bhi] = bootstrap[i] as [number, number];
      const point = percentile(sortedValues, p);
      expect(lo).toBeLessThanOrEqual(point);
      expect(hi).toBeGreaterThanOrEqual(point);
      // Same width as the bootstrap's within a factor of 1.6 (bootstraps of 200 resamples vary).
      expect((hi - lo) / (bhi - blo)).toBeGreaterThan(1 / 1.6);
      expect((hi - lo) / (bhi - blo)).toBeLessThan(1.6);
    }
  });

  it("a run whose client ran out of resources is invalid, and says it is the client's fault", () => {
    const records = synthetic(100, 3).map((r, i) =>
      i === 3 ? { ...r, ok: false, error: 'EMFILE', error_code: 'SB_CLIENT_RESOURCES' } : r,
    );
    const s = summarize(records, { maxFailureRate: 1 });
    expect(s.valid).toBe(false);
    expect(s.invalid_reasons.join()).toMatch(
      /1 of 100 requests failed in the client itself \(SB_CLIENT_RESOURCES.*not at the server.*ulimit -n/,
    );
  });
});
