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

  it('closed loop bounded by a duration alone: runs to the duration, under its request cap', async () => {
    const { summary, records } = await runLoad({
      baseUrl: server.url,
      arrival: { kind: 'concurrency', concurrency: 2 },
      durationS: 0.3,
      dataset: small,
    });
    expect(records.length).toBeGreaterThan(4);
    expect(Math.max(...records.map((r) => r.sent_ms))).toBeLessThanOrEqual(300 + 5);
    expect(summary.invalid_reasons.join()).not.toMatch(/stopped at/);
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
    // Each thread sends every third request; the records come back in request order, which is
    // the schedule's order, each request once (Poisson send times are distinct).
    const scheduled = records.map((r) => r.scheduled_ms);
    expect(scheduled).toEqual(scheduled.toSorted((a, b) => a - b));
    expect(new Set(scheduled).size).toBe(100);
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
    [{ arrival: { kind: 'poisson', rate: -1 }, requests: 1 }, /arrival.rate: must be a rate in/],
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

  it('a server answering impossible usage gives failed requests and an invalid run, never negative throughput', async () => {
    const liar = await startStreamServer({ fault: () => 'negative-usage' });
    try {
      const { summary, records } = await runLoad({
        baseUrl: liar.url,
        arrival: { kind: 'infinite' },
        requests: 20,
        dataset: small,
      });
      expect(summary.failures).toEqual({ SB_INVALID_ANSWER: 20 });
      expect(records[0]?.error).toMatch(/usage.completion_tokens is -742/);
      expect(summary.valid).toBe(false);
      expect(summary.output_throughput).toBe(0);
      expect(summary.total_output_tokens).toBe(0);
    } finally {
      await liar.close();
    }
  });
});

describe('limits: a profile that cannot run is refused before any request, naming the field', () => {
  // A server that is gone: had any request been sent first, the error would be "cannot reach".
  let gone: string;
  beforeAll(async () => {
    const s = await startStreamServer();
    gone = s.url;
    await s.close();
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'steps at rate 0 (never ends)',
      { arrival: { kind: 'steps', steps: [{ rate: 0, durationS: 1 }] }, requests: 5 },
      /arrival.steps: the last step must have a rate > 0/,
    ],
    [
      'a rate of 1e-9 (decades)',
      { arrival: { kind: 'poisson', rate: 1e-9 }, requests: 1 },
      /arrival.rate: must be a rate in \[0.0001, 1,000,000\] req\/s/,
    ],
    [
      '1e9 requests',
      { arrival: { kind: 'poisson', rate: 1 }, requests: 1e9 },
      /requests: must be an integer in \[1, 1,000,000\]/,
    ],
    [
      'a schedule longer than a run may plan',
      { arrival: { kind: 'constant', rate: 0.0001 }, requests: 100 },
      /last request is sent after 11.6 days, longer than the 7 days a run may plan/,
    ],
    [
      'requests and warm-up over the cap',
      { arrival: { kind: 'poisson', rate: 1 }, requests: 600_000, warmupRequests: 600_000 },
      /plans 1,200,000 requests \(requests \+ warmupRequests\), more than the 1,000,000 a run may have/,
    ],
    [
      'a rate over a duration over the cap',
      { arrival: { kind: 'poisson', rate: 100 }, durationS: 7 * 24 * 3600 },
      /plans 60,\d{3},\d{3} requests \(arrival over durationS = 7 days/,
    ],
    [
      'prompts that do not fit in memory',
      { arrival: { kind: 'infinite' }, requests: 500_000, dataset: { name: 'random', input_len: 100_000 } },
      /would hold about [\d.]+ GiB in memory for its 500,000 requests .* more than the [\d.]+ GiB this Node.js process may use/,
    ],
    [
      'a timeout past the longest timer',
      { arrival: { kind: 'poisson', rate: 1 }, requests: 1, requestTimeoutS: 1e9 },
      /requestTimeoutS: must be a timeout in \[0.001, 86,400\] s/,
    ],
    [
      'a billion users',
      { arrival: { kind: 'concurrency', concurrency: 1e9 }, requests: 1 },
      /arrival.concurrency: must be an integer in \[1, 100,000\]/,
    ],
    [
      'an output length past any model',
      { arrival: { kind: 'poisson', rate: 1 }, requests: 1, dataset: { name: 'random', output_len: 1e9 } },
      /dataset.output_len: must be at most 1,048,576/,
    ],
  ])('%s', async (_case, bad, message) => {
    await expect(runLoad({ baseUrl: gone, ...bad } as never)).rejects.toThrow(message);
  });
});
