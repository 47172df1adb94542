import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../load/run-load.ts';
import { requestLatencies } from '../metrics/per-request.ts';
import { type SlotServer, startSlotServer } from './slot-server.ts';

describe('slot server', () => {
  let server: SlotServer;
  beforeAll(async () => {
    server = await startSlotServer({ slots: 2, ttftMs: 100, itlMs: 10 });
  });
  afterAll(() => server.close());

  it('serves `slots` requests at once and queues the rest for a whole service time', async () => {
    // Six requests at once on two slots, 120 ms each (100 + 2 * 10): started at 0, 0, 120, 120,
    // 240, 240. A request never starts before a slot frees (lower bounds, exact); the upper bounds
    // allow half a service time of host delay, still short of what one slot more or less would do.
    const result = await runLoad({
      baseUrl: server.url,
      arrival: { kind: 'infinite' },
      requests: 6,
      dataset: { name: 'random', input_len: 8, output_len: 3 },
      maxLatenessP99Ms: 1000,
    });
    expect(result.summary.completed).toBe(6);
    const ttfts = result.records.map((r) => requestLatencies(r).ttft).sort((a, b) => a - b);
    const expected = [100, 100, 220, 220, 340, 340];
    ttfts.forEach((ttft, i) => {
      expect(ttft).toBeGreaterThanOrEqual((expected[i] as number) - 2);
      expect(ttft).toBeLessThan((expected[i] as number) + 60);
    });
    expect(result.records.every((r) => r.output_tokens === 3 && r.chunk_ms.length === 3)).toBe(true);
    expect(server.requests()).toBe(6);
  });
});
