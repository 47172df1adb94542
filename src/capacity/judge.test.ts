import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../metrics/record.ts';
import { judgeProbe } from './judge.ts';
import { type CapacitySloInput, capacitySloSchema } from './spec.ts';

/** A request scheduled at 0, sent after `queueMs`, first token `ttftMs` after the send, 10 tokens 5 ms apart. */
function request(ttftMs: number, options: { queueMs?: number; ok?: boolean } = {}): RequestRecord {
  const sent = options.queueMs ?? 0;
  const chunks = Array.from({ length: 10 }, (_, i) => sent + ttftMs + 5 * i);
  return {
    ok: options.ok ?? true,
    scheduled_ms: 0,
    sent_ms: sent,
    end_ms: chunks.at(-1) as number,
    chunk_ms: chunks,
    chunk_tokens: chunks.map(() => 1),
    prompt_tokens: 10,
    output_tokens: 10,
    error: options.ok === false ? 'boom' : null,
  };
}

const slo = (input: CapacitySloInput) => capacitySloSchema.parse(input);
const many = (count: number, make: () => RequestRecord) => Array.from({ length: count }, make);
/** `count` requests with `bad` of them spread evenly among the good (no clusters: independent-looking). */
const spread = (count: number, bad: number, good: () => RequestRecord, worse: () => RequestRecord) =>
  Array.from({ length: count }, (_, i) =>
    Math.floor(((i + 1) * bad) / count) > Math.floor((i * bad) / count) ? worse() : good(),
  );

describe('judgeProbe', () => {
  it('passes attainment when the Wilson interval lies above the target', () => {
    const records = [...many(99, () => request(50)), request(500)];
    const j = judgeProbe(records, slo({ goodput: { ttft: 100 }, attainment: 0.9 }), 0.95);
    expect(j.verdict).toBe('pass');
    expect(j.objectives[0]).toMatchObject({ objective: 'attainment', measured: 0.99, judgedAgainst: 0.9 });
    expect(j.margin).toBeCloseTo(0.09, 12);
  });

  it('is undecided when the interval straddles the target, and fails when wholly below', () => {
    const near = spread(
      100,
      5,
      () => request(50),
      () => request(500),
    );
    expect(judgeProbe(near, slo({ goodput: { ttft: 100 } }), 0.95).verdict).toBe('undecided');
    const bad = spread(
      100,
      20,
      () => request(50),
      () => request(500),
    );
    const judged = judgeProbe(bad, slo({ goodput: { ttft: 100 } }), 0.95);
    expect(judged.verdict).toBe('fail');
    expect(judged.objectives[0]?.ci[1]).toBeLessThan(0.9);
  });

  it('widens the interval when slow requests come in a burst (they queued together)', () => {
    const scattered = spread(
      200,
      20,
      () => request(50),
      () => request(500),
    );
    const burst = [
      ...many(100, () => request(50)),
      ...many(20, () => request(500)),
      ...many(80, () => request(50)),
    ];
    const s = slo({ goodput: { ttft: 100 }, attainment: 0.8 });
    const [a, b] = [judgeProbe(scattered, s, 0.95), judgeProbe(burst, s, 0.95)];
    expect(a.objectives[0]?.measured).toBe(b.objectives[0]?.measured);
    expect(a.verdict).toBe('pass');
    expect(b.verdict).toBe('undecided');
    const width = (j: typeof a) => (j.objectives[0]?.ci[1] ?? 0) - (j.objectives[0]?.ci[0] ?? 0);
    expect(width(b)).toBeGreaterThan(2 * width(a));
  });

  it("judges queue-inclusive latency by default and vLLM's send-based one on request", () => {
    const records = many(100, () => request(50, { queueMs: 100 }));
    expect(judgeProbe(records, slo({ goodput: { ttft: 100 } }), 0.95).verdict).toBe('fail');
    expect(judgeProbe(records, slo({ goodput: { ttft: 100 }, latency: 'sent' }), 0.95).verdict).toBe('pass');
  });

  it('counts failed requests as not good and beyond every percentile limit', () => {
    const records = spread(
      100,
      10,
      () => request(10),
      () => request(10, { ok: false }),
    );
    const j = judgeProbe(records, slo({ goodput: { tpot: 50 }, percentiles: { ttft: { p99: 100 } } }), 0.95);
    expect(j.objectives.map((o) => [o.objective, o.verdict])).toEqual([
      ['attainment', 'fail'],
      ['p99_queued_ttft_ms', 'fail'],
    ]);
    // measured is the percentile of the successful requests, as vLLM reports it.
    expect(j.objectives[1]?.measured).toBe(10);
  });

  it('judges a percentile as the share within its limit with the exact interval', () => {
    // 500 within: Clopper-Pearson lower bound 0.025^(1/500) = 0.9927 > 0.99.
    const clean = many(500, () => request(20));
    const p99 = slo({ percentiles: { ttft: { p99: 100 } }, latency: 'sent' });
    const pass = judgeProbe(clean, p99, 0.95);
    expect(pass.objectives[0]).toMatchObject({
      objective: 'p99_ttft_ms',
      judgedAgainst: 0.99,
      verdict: 'pass',
    });
    expect(pass.objectives[0]?.ci[0]).toBeCloseTo(0.025 ** (1 / 500), 12);
    expect(pass.margin).toBeNull(); // every request within: the share says nothing about the boundary
    // 100 requests, none beyond: the interval still reaches below 0.99.
    expect(judgeProbe(clean.slice(0, 100), p99, 0.95).verdict).toBe('undecided');
    const slow = spread(
      500,
      20,
      () => request(20),
      () => request(200),
    );
    expect(judgeProbe(slow, p99, 0.95).verdict).toBe('fail');
  });

  it('judges the error rate with Wilson, and a limit of 0 as a hard rule', () => {
    const records = [...many(999, () => request(10)), request(10, { ok: false })];
    expect(judgeProbe(records, slo({ maxErrorRate: 0.01 }), 0.95).verdict).toBe('pass');
    expect(judgeProbe(records, slo({ maxErrorRate: 0 }), 0.95).verdict).toBe('fail');
    expect(judgeProbe(records.slice(0, 999), slo({ maxErrorRate: 0 }), 0.95).verdict).toBe('pass');
  });

  it('fails the probe when any objective fails even if others pass', () => {
    const records = spread(
      1000,
      100,
      () => request(10),
      () => request(10, { ok: false }),
    );
    const j = judgeProbe(records, slo({ goodput: { ttft: 100 }, attainment: 0.5, maxErrorRate: 0.01 }), 0.95);
    expect(j.objectives.map((o) => o.verdict)).toEqual(['pass', 'fail']);
    expect(j.verdict).toBe('fail');
    expect(j.margin).toBeCloseTo(0.9 - 0.99, 12);
  });

  it('is undecided on an empty window', () => {
    const j = judgeProbe([], slo({ goodput: { ttft: 100 }, maxErrorRate: 0.1 }), 0.95);
    expect(j.verdict).toBe('undecided');
    expect(j.margin).toBeNull();
  });
});

describe('staysUndecided', () => {
  const s = slo({ goodput: { ttft: 100 }, attainment: 0.9 });
  const window = (bad: number) =>
    spread(
      100,
      bad,
      () => request(50),
      () => request(500),
    );

  it('gives up on a share that sits on the target, not on one a longer probe would likely decide', () => {
    const onTarget = judgeProbe(window(10), s, 0.95);
    expect(onTarget.verdict).toBe('undecided');
    expect(onTarget.staysUndecided(4)).toBe(true);
    const leaning = judgeProbe(window(6), s, 0.95);
    expect(leaning.verdict).toBe('undecided');
    expect(leaning.staysUndecided(20)).toBe(false);
    expect(judgeProbe(window(20), s, 0.95).staysUndecided(4)).toBe(false); // decided: fail
  });
});
