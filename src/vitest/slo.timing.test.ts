import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../load/run-load.ts';
import { type StreamServer, startStreamServer } from '../testing/stream-server.ts';
import { checkSlo, formatSloTable, type Slo } from './slo.ts';

const summary = {
  p99_ttft_ms: 120,
  mean_ttft_ms: 80,
  p99_queued_ttft_ms: 900,
  mean_queued_ttft_ms: 95,
  p99_tpot_ms: 20,
  completed: 99,
  failed: 1,
  ci95: { p99_queued_ttft_ms: [850, 950] },
};

describe('checkSlo', () => {
  it('judges TTFT and E2EL from the scheduled send by default (queue-inclusive), naming the key', () => {
    const checks = checkSlo({ ttft: { p99: 1000, mean: 90 }, tpot: { p99: 25 }, errorRate: 0.05 }, summary);
    expect(checks.map((c) => [c.metric, c.measured, c.pass])).toEqual([
      ['mean_queued_ttft_ms', 95, false],
      ['p99_queued_ttft_ms', 900, true],
      ['p99_tpot_ms', 20, true],
      ['error_rate', 0.01, true],
    ]);
    expect(checks[1]?.ci).toEqual([850, 950]);
  });

  it("judges vLLM's send-based TTFT and E2EL with latency: 'sent'", () => {
    const checks = checkSlo({ latency: 'sent', ttft: { p99: 100, mean: 100 } }, summary);
    expect(checks.map((c) => [c.metric, c.pass])).toEqual([
      ['mean_ttft_ms', true],
      ['p99_ttft_ms', false],
    ]);
  });

  it('shows the variant it did not judge below the table', () => {
    const table = formatSloTable(checkSlo({ ttft: { p99: 500 } }, summary), summary);
    expect(table).toMatch(/p99_queued_ttft_ms\s+<= 500\.00 ms\s+900\.00 ms\s+\[850\.0, 950\.0\]\s+FAIL/);
    expect(table).toMatch(/not judged, vLLM's send-based values: p99_ttft_ms 120\.00 ms/);
    const sent = formatSloTable(checkSlo({ latency: 'sent', ttft: { p99: 500 } }, summary), summary);
    expect(sent).toMatch(/not judged, queue-inclusive values: p99_queued_ttft_ms 900\.00 ms/);
  });

  it('rejects a statistic servebench does not compute, naming the field', () => {
    const typo = { ttft: { p98: 100 } } as unknown as Slo;
    expect(() => checkSlo(typo, summary)).toThrow(
      /invalid SLO:\n {2}ttft: unknown statistic 'p98'; expected one of mean, median, p50, p75, p90, p95, p99, p99\.9/,
    );
    const negative = { ttft: { p99: -5 } } as unknown as Slo;
    expect(() => checkSlo(negative, summary)).toThrow(/ttft\.p99: expected a latency limit in ms > 0/);
    expect(() => checkSlo({ ttft: { 'p99.9': 100 } }, { p99_queued_ttft_ms: 1 })).toThrow(
      /SLO ttft\.p99\.9: 'p99\.9_queued_ttft_ms' was not computed for this run; add 99\.9 to the profile's percentiles/,
    );
    const basis = { latency: 'scheduled' } as unknown as Slo;
    expect(() => checkSlo(basis, summary)).toThrow(/invalid SLO:\n {2}latency: .*"queued"\|"sent"/);
  });
});

describe('an SLO judges what users feel: a server stall behind --max-concurrency 8', () => {
  let server: StreamServer;
  beforeAll(async () => {
    // Requests 10..17 stall 2 s after their first token: they hold all 8 slots, so the requests
    // after them wait in the client. Their send-based TTFT stays small; what users see does not.
    server = await startStreamServer({
      ttftMs: 10,
      itlMs: 2,
      fault: (n) => (n >= 10 && n < 18 ? 'pause' : null),
      pauseMs: 2000,
    });
  });
  afterAll(() => server.close());

  it('the queue-inclusive p99 TTFT fails a 200 ms SLO that the send-based one passes', async () => {
    const { summary } = await runLoad({
      baseUrl: server.url,
      arrival: { kind: 'constant', rate: 40 },
      requests: 80,
      maxConcurrency: 8,
      dataset: { name: 'random', input_len: 8, output_len: 5 },
      workers: 1,
    });
    expect(summary.valid).toBe(true);
    expect(summary.completed).toBe(80);

    const [queued] = checkSlo({ ttft: { p99: 200 } }, summary);
    expect(queued).toMatchObject({ metric: 'p99_queued_ttft_ms', pass: false });
    expect(queued?.measured).toBeGreaterThan(1000);
    const [sent] = checkSlo({ latency: 'sent', ttft: { p99: 200 } }, summary);
    expect(sent).toMatchObject({ metric: 'p99_ttft_ms', pass: true });
    expect(sent?.measured).toBeLessThan(200);
    // E2EL likewise: the stalled streams themselves took 2 s either way.
    const [e2el] = checkSlo({ e2el: { median: 500 } }, summary);
    expect(e2el).toMatchObject({ metric: 'median_queued_e2el_ms', pass: false });
    expect(checkSlo({ latency: 'sent', e2el: { median: 500 } }, summary)[0]?.pass).toBe(true);
  });
});
