import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../metrics/record.ts';
import {
  achievedOfferedRate,
  perSecond,
  planProbe,
  robustCeil,
  saturatedThroughput,
  steadyThroughput,
  steadyWindow,
  strictestShare,
} from './probe-plan.ts';
import {
  type CapacitySearchInput,
  type CapacitySloInput,
  capacitySearchSchema,
  capacitySloSchema,
} from './spec.ts';

const slo = (input: CapacitySloInput) => capacitySloSchema.parse(input);
const search = (input: CapacitySearchInput = {}) => capacitySearchSchema.parse(input);

function record(scheduled: number, end: number, extra: Partial<RequestRecord> = {}): RequestRecord {
  return {
    ok: true,
    scheduled_ms: scheduled,
    sent_ms: scheduled,
    end_ms: end,
    chunk_ms: [end],
    chunk_tokens: [1],
    prompt_tokens: 1,
    output_tokens: 1,
    error: null,
    lateness_ms: 0,
    ...extra,
  };
}

describe('robustCeil', () => {
  it('does not round floating-point dust up', () => {
    expect(5 / (1 - 0.9)).toBeGreaterThan(50);
    expect(robustCeil(5 / (1 - 0.9))).toBe(50);
    expect(robustCeil(5 / (1 - 0.99))).toBe(500);
    expect(robustCeil(50.01)).toBe(51);
  });
});

describe('planProbe', () => {
  it('expects five requests beyond the strictest share', () => {
    expect(strictestShare(slo({ goodput: { ttft: 100 }, percentiles: { e2el: { p99: 900 } } }))).toBe(0.99);
    expect(planProbe(slo({ goodput: { ttft: 100 }, attainment: 0.95 }), search(), 10).judged).toBe(100);
    expect(planProbe(slo({ goodput: { ttft: 100 }, attainment: 0.97 }), search(), 10).judged).toBe(167);
    expect(planProbe(slo({ percentiles: { ttft: { p99: 100 } } }), search(), 10).judged).toBe(500);
    expect(planProbe(slo({ maxErrorRate: 0.001 }), search(), 100).judged).toBe(2000); // maxRequests
  });

  it('spans a rate probe over request latencies: 5 to warm up, 10 judged, within the caps', () => {
    const attain = slo({ goodput: { ttft: 100 }, attainment: 0.9 });
    // No latency measured yet: the shares alone (50 judged at 0.9, 100 by minRequests).
    expect(planProbe(attain, search(), 90)).toEqual({ warmup: 13, judged: 100, drain: 13 });
    // 470 ms requests at 90 req/s: warm-up 5 x 0.47 s x 90 = 212, window 10 x 0.47 s x 90 = 423.
    expect(planProbe(attain, search(), 90, { latencyMs: 470 })).toEqual({
      warmup: 212,
      judged: 423,
      drain: 53,
    });
    expect(planProbe(attain, search({ maxRequests: 400 }), 90, { latencyMs: 470 }).judged).toBe(400);
    // 30 ms requests: the shares rule, as without a latency.
    expect(planProbe(attain, search(), 90, { latencyMs: 30 })).toEqual({
      warmup: 14,
      judged: 100,
      drain: 13,
    });
    // A 60 s request at 1 req/s: the warm-up is cut to maxProbeDurationS of load.
    expect(planProbe(attain, search({ maxProbeDurationS: 120 }), 1, { latencyMs: 60_000 }).warmup).toBe(120);
    // Closed loop: a concurrency's users leave out one request each at both ends, latency or not.
    const users = search({ variable: 'concurrency' });
    expect(planProbe(attain, users, 32, { latencyMs: 470 })).toEqual({ warmup: 32, judged: 100, drain: 32 });
  });

  it('doubles an extension up to what is left of maxRequests', () => {
    const attain = slo({ goodput: { ttft: 100 }, attainment: 0.95 });
    expect(planProbe(attain, search(), 50, { atLeast: 200, judgedCap: 1800 }).judged).toBe(200);
    expect(planProbe(attain, search(), 50, { atLeast: 1600, judgedCap: 400 }).judged).toBe(400);
  });

  it('keeps at least minRequests and caps a slow rate probe by its duration', () => {
    expect(planProbe(slo({ goodput: { ttft: 100 }, attainment: 0.5 }), search(), 10).judged).toBe(100);
    expect(
      planProbe(slo({ percentiles: { ttft: { p99: 100 } } }), search({ maxProbeDurationS: 60 }), 2).judged,
    ).toBe(120);
    expect(planProbe(slo({ percentiles: { ttft: { p99: 100 } } }), search(), 0.001).judged).toBe(1);
  });

  it('adds warm-up and drain as shares of the whole run', () => {
    expect(planProbe(slo({ goodput: { ttft: 100 } }), search(), 10)).toEqual({
      warmup: 13,
      judged: 100,
      drain: 13,
    });
    expect(
      planProbe(slo({ goodput: { ttft: 100 } }), search({ warmupShare: 0.2, drainShare: 0 }), 10),
    ).toEqual({ warmup: 25, judged: 100, drain: 0 });
  });

  it('leaves out at least one request per user at each end of a concurrency probe', () => {
    const plan = planProbe(slo({ goodput: { ttft: 100 } }), search({ variable: 'concurrency' }), 64);
    expect(plan).toEqual({ warmup: 64, judged: 100, drain: 64 });
  });
});

describe('steady window and rates', () => {
  // 10 requests sent 100 ms apart, each taking 50 ms.
  const records = Array.from({ length: 10 }, (_, i) => record(100 * i, 100 * i + 50));

  it('takes the records after the warm-up and before the drain, in index order', () => {
    const window = steadyWindow(records, { warmup: 2, judged: 6, drain: 2 });
    expect(window.map((r) => r.scheduled_ms)).toEqual([200, 300, 400, 500, 600, 700]);
    expect(steadyWindow(records.slice(0, 3), { warmup: 2, judged: 6, drain: 2 })).toEqual([]);
  });

  it('measures the offered rate from the actual send times', () => {
    const window = steadyWindow(records, { warmup: 2, judged: 6, drain: 2 });
    expect(achievedOfferedRate(window)).toBeCloseTo(10, 12);
    // The last send went out 400 ms late: 5 gaps over 900 ms.
    const late = window.map((r, i) => (i === 5 ? { ...r, lateness_ms: 400 } : r));
    expect(achievedOfferedRate(late)).toBeCloseTo(5000 / 900, 12);
    expect(achievedOfferedRate(window.slice(0, 1))).toBeNull();
  });

  it('counts the completions of the whole run inside the window span', () => {
    const window = steadyWindow(records, { warmup: 2, judged: 6, drain: 2 });
    // Span 200..700 ms, counted from one median latency (50 ms) in: completions at 250, 350, 450,
    // 550, 650 (the one at 750 falls outside) over 450 ms.
    const t = steadyThroughput(records, window);
    expect(t).toEqual({ completions: 5, spanMs: 450, sendSpanMs: 500 });
    expect(perSecond(t)).toBeCloseTo(11.1, 1);
    const failed = records.map((r, i) => (i === 3 ? { ...r, ok: false } : r));
    expect(steadyThroughput(failed, window).completions).toBe(4);
    // Latencies longer than the span: the count starts half way in, not after the span.
    const slow = records.map((r) => ({ ...r, end_ms: r.sent_ms + 2000 }));
    const slowWindow = steadyWindow(slow, { warmup: 2, judged: 6, drain: 2 });
    expect(steadyThroughput(slow, slowWindow).spanMs).toBe(250);
  });

  it('measures a saturating run between its 10th and 90th percentile completions', () => {
    // Everything sent at 0, one completion every 10 ms from 100 ms on (101 requests).
    const saturated = Array.from({ length: 101 }, (_, i) => record(0, 100 + 10 * i));
    expect(saturatedThroughput(saturated)).toBeCloseTo(100, 9);
    expect(saturatedThroughput(saturated.slice(0, 2))).toBe(0);
  });

  it('takes a run that finished in one wave as served over elapsed time, never as its tiny spread', () => {
    // 101 alike requests all batched at once: sent at 0, done between 2,000 and 2,010 ms. The 10th-90th
    // spread (8 ms) would claim 10,000 req/s; what the server showed is 91 requests in 2,009 ms.
    const oneWave = Array.from({ length: 101 }, (_, i) => record(0, 2000 + 0.1 * i));
    expect(saturatedThroughput(oneWave)).toBeCloseTo((91 * 1000) / 2009, 9);
  });
});
