import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StreamServer, startStreamServer } from '../testing/stream-server.ts';
import { runLoad } from './run-load.ts';

let server: StreamServer;
beforeAll(async () => {
  server = await startStreamServer({ ttftMs: 20, itlMs: 2, fault: (n) => (n % 50 === 7 ? 'http500' : null) });
});
afterAll(() => server.close());

const small = { name: 'random', input_len: 8, output_len: 10 } as const;

describe('runLoad against a real loopback server', () => {
  it('open loop: sends at the asked rate, excludes warm-up, records every request', async () => {
    const result = await runLoad({
      baseUrl: server.url,
      arrival: { kind: 'constant', rate: 50 },
      requests: 40,
      warmupRequests: 5,
      dataset: small,
      workers: 1,
    });
    const { summary, records } = result;
    expect(records).toHaveLength(45);
    expect(records.filter((r) => r.warmup)).toHaveLength(5);
    expect(summary.completed + summary.failed).toBe(40);
    // 40 measured requests at 50/s span 0.78 s of sends + one request's latency.
    expect(summary.duration).toBeGreaterThan(0.78);
    expect(summary.duration).toBeLessThan(1.1);
    const sendRate = (39 / ((records.at(-1)?.sent_ms ?? 0) - (records[5]?.sent_ms ?? 0))) * 1000;
    expect(sendRate).toBeGreaterThan(48);
    expect(sendRate).toBeLessThan(52);
    expect(summary.offered_rate).toBeCloseTo(sendRate, 6);
    // The client's own timing check (client-check.ts) passes: the same rule every run is held to.
    expect(summary.invalid_reasons).toEqual([]);
    expect(summary.total_output_tokens).toBe(summary.completed * 10);
    expect(result.model).toBe('test-model');
  });

  it('one failing request neither aborts nor hangs the run', async () => {
    const { summary } = await runLoad({
      baseUrl: server.url,
      arrival: { kind: 'infinite' },
      requests: 60,
      dataset: small,
    });
    expect(summary.failures.SB_HTTP_STATUS).toBeGreaterThanOrEqual(1);
    expect(summary.completed + summary.failed).toBe(60);
    expect(summary.invalid_reasons).toEqual([]);
  });

  it('closed loop: exactly N requests in flight', async () => {
    const { summary } = await runLoad({
      baseUrl: server.url,
      arrival: { kind: 'concurrency', concurrency: 4 },
      requests: 40,
      dataset: small,
    });
    expect(summary.max_concurrent_requests).toBe(4);
    expect(summary.completed + summary.failed).toBe(40);
    expect(summary.offered_rate).toBeNull();
  });

  it('max-concurrency caps an infinite rate, and waiting for a slot is not counted as client lateness', async () => {
    const { summary, records } = await runLoad({
      baseUrl: server.url,
      arrival: { kind: 'infinite' },
      maxConcurrency: 3,
      requests: 30,
      dataset: small,
    });
    expect(summary.max_concurrent_requests).toBe(3);
    // The client's own timing check (client-check.ts) passes: the same rule every run is held to.
    expect(summary.invalid_reasons).toEqual([]);
    // Queue-inclusive TTFT sees the wait; plain TTFT does not.
    expect(summary.mean_queued_ttft_ms as number).toBeGreaterThan((summary.mean_ttft_ms as number) * 2);
    expect(records.every((r) => r.scheduled_ms === 0)).toBe(true);
  });

  it('duration bound: stops sending after durationS', async () => {
    const { records } = await runLoad({
      baseUrl: server.url,
      arrival: { kind: 'poisson', rate: 40 },
      durationS: 0.5,
      dataset: small,
    });
    expect(Math.max(...records.map((r) => r.scheduled_ms))).toBeLessThanOrEqual(500);
    expect(records.length).toBeGreaterThan(8);
  });

  it('shards across worker threads with the same results shape and a global concurrency cap', async () => {
    const { summary, records, client } = await runLoad({
      baseUrl: server.url,
      arrival: { kind: 'poisson', rate: 200 },
      maxConcurrency: 5,
      requests: 100,
      dataset: small,
      workers: 3,
    });
    expect(client.workers).toBe(3);
    expect(records).toHaveLength(100);
    expect(records.every((r) => r !== undefined)).toBe(true);
    expect(summary.max_concurrent_requests).toBeLessThanOrEqual(5);
    expect(summary.completed + summary.failed).toBe(100);
  });

  it('is seeded: the same seed sends the same prompts at the same scheduled times', async () => {
    const run = async (seed: number) => {
      const before = server.received.length;
      const { records } = await runLoad({
        baseUrl: server.url,
        arrival: { kind: 'poisson', rate: 100 },
        requests: 10,
        seed,
        dataset: small,
      });
      return {
        scheduled: records.map((r) => r.scheduled_ms),
        prompts: server.received
          .slice(before)
          .map((b) => JSON.stringify(b.prompt))
          .sort(),
      };
    };
    const a = await run(11);
    expect(await run(11)).toEqual(a);
    expect((await run(12)).scheduled).not.toEqual(a.scheduled);
  });

  it('marks the run invalid when the client falls behind its schedule (event loop blocked on purpose)', async () => {
    const hog = setInterval(() => {
      const until = performance.now() + 30;
      while (performance.now() < until) {}
    }, 35);
    try {
      const { summary } = await runLoad({
        baseUrl: server.url,
        arrival: { kind: 'constant', rate: 100 },
        requests: 60,
        dataset: small,
        workers: 1,
      });
      expect(summary.valid).toBe(false);
      expect(summary.invalid_reasons.join()).toMatch(/fell behind its schedule|send timing was off/);
    } finally {
      clearInterval(hog);
    }
  });

  it('cancellation stops the run and marks it invalid', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const { summary, records } = await runLoad(
      { baseUrl: server.url, arrival: { kind: 'constant', rate: 20 }, requests: 100, dataset: small },
      { signal: controller.signal },
    );
    expect(records.length).toBeLessThan(20);
    expect(summary.valid).toBe(false);
    expect(summary.invalid_reasons.join()).toMatch(/cancelled/);
  });

  it.each([
    [{ arrival: { kind: 'poisson', rate: -1 }, requests: 1 }, /arrival.rate: .*>0/],
    [{ arrival: { kind: 'poisson', rate: 1 } }, /requests: give requests .* every run must be bounded/],
    [{ arrival: { kind: 'warp' }, requests: 1 }, /arrival.kind/],
    [{ arrival: { kind: 'infinite' }, durationS: 1 }, /infinite request rate needs a request count/],
    [
      { arrival: { kind: 'constant', rate: 1 }, requests: 1, dataset: { name: 'random', input_len: 0 } },
      /input/,
    ],
  ])('rejects a bad profile with the field named (%#)', async (bad, message) => {
    await expect(runLoad({ baseUrl: server.url, ...bad } as never)).rejects.toThrow(message);
  });
});
