import { describe, expect, it } from 'vitest';
import { judgedPercentile, latenessReasons } from './client-check.ts';
import type { RequestRecord } from './record.ts';

/** n requests scheduled every `gapMs`, each sent `late(i)` ms after its time, first token `ttftMs` later. */
function schedule(n: number, gapMs: number, late: (i: number) => number, ttftMs = 100): RequestRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    ok: true,
    scheduled_ms: i * gapMs,
    sent_ms: i * gapMs + late(i),
    end_ms: i * gapMs + late(i) + ttftMs,
    chunk_ms: [i * gapMs + late(i) + ttftMs],
    chunk_tokens: [],
    prompt_tokens: 10,
    output_tokens: 1,
    error: null,
    lateness_ms: late(i),
  }));
}

describe('the client lateness check', () => {
  it('judges p99 only with five samples beyond it, and never below the median', () => {
    expect(judgedPercentile(500)).toBe(99);
    expect(judgedPercentile(2000)).toBe(99);
    expect(judgedPercentile(50)).toBe(90);
    expect(judgedPercentile(24)).toBeCloseTo(79.17, 2);
    expect(judgedPercentile(4)).toBe(50);
  });

  it('lets one scheduler hiccup in a short run pass: it neither lowers the rate nor is the tail', () => {
    const records = schedule(40, 250, (i) => (i === 17 ? 60 : 1));
    expect(latenessReasons(records, 10)).toEqual([]);
  });

  it('fails a client that fell steadily behind: the offered rate was lower than asked', () => {
    // Each send 5 ms later than the one before, on a 100 ms schedule: 5% slower, plus the tail.
    const reasons = latenessReasons(
      schedule(100, 100, (i) => 5.5 * i),
      1000,
    );
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(
      /fell behind its schedule: what was scheduled over 9\.90 s went out over 10\.44 s, so the offered rate was 5\.2% lower/,
    );
  });

  it('fails a run whose lateness tail is beyond the limit', () => {
    const reasons = latenessReasons(
      schedule(100, 100, (i) => (i % 10 === 0 ? 30 : 2)),
      10,
    );
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(
      /send timing was off: p95 send lateness 30\.0 ms > 10 ms allowed \(of 100 requests\)/,
    );
  });

  it('names the load-profile fields and CLI flags a suite author sets', () => {
    const timing = latenessReasons(
      schedule(100, 100, (i) => (i % 10 === 0 ? 30 : 2)),
      10,
    );
    expect(timing[0]).toMatch(/maxLatenessP99Ms in the load profile, --max-lateness-ms on the CLI/);
    expect(timing[0]).toMatch(/workers in the load profile, --workers on the CLI/);
    const behind = latenessReasons(
      schedule(100, 100, (i) => 5.5 * i),
      1000,
    );
    expect(behind[0]).toMatch(/workers in the load profile, --workers on the CLI/);
  });

  it('judges the tail against the latencies measured: under 5% of the median queued TTFT passes', () => {
    // The same 30 ms tail that fails next to 100 ms latencies is noise next to 2 s ones (100 ms allowed).
    const slow = schedule(100, 100, (i) => (i % 10 === 0 ? 30 : 2), 2000);
    expect(latenessReasons(slow, 10)).toEqual([]);
    // Past 5% of the median, the relative allowance is what the message names.
    const later = schedule(100, 100, (i) => (i % 10 === 0 ? 150 : 2), 2000);
    const reasons = latenessReasons(later, 10);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(
      /p95 send lateness 150\.0 ms > 100\.1 ms allowed \(5% of the median queue-inclusive TTFT, 2002\.0 ms\)/,
    );
  });

  it('does not judge the timing of requests all scheduled at once (an infinite rate)', () => {
    expect(
      latenessReasons(
        schedule(60, 0, (i) => i / 2),
        10,
      ),
    ).toEqual([]);
  });

  it('has nothing to judge without scheduled sends (closed loop)', () => {
    const records = schedule(10, 0, () => 0).map(({ lateness_ms: _, ...r }) => r);
    expect(latenessReasons(records, 10)).toEqual([]);
  });
});
