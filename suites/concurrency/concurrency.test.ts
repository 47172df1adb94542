import { runConcurrencySweep, useServer } from 'servebench';
import { describe, expect, it } from 'vitest';

/**
 * Concurrency sweep (seed 004): Qwen2.5-1.5B on an RTX 4090 with --max-num-seqs 16, closed loops
 * of 1 to 32 users, 50 requests each of a 10-token prompt and 100 output tokens (the seed sent one
 * fixed prompt with max_tokens 100). Throughput grows with the batch until the 16 sequence slots
 * are full; beyond that, users wait in the server's queue: throughput flat, TTFT up tenfold.
 * No baseline gating: toMatchBaseline compares load points and capacity answers, not sweeps.
 */
describe('concurrency: Qwen2.5-1.5B on an RTX 4090, max-num-seqs 16', () => {
  const server = useServer({
    model: 'Qwen/Qwen2.5-1.5B-Instruct',
    simGpu: 'RTX-4090',
    args: ['--max-num-seqs', '16', '--max-model-len', '2048'],
  });

  it('throughput and latency vs concurrency', { timeout: 180_000 }, async () => {
    const sweep = await runConcurrencySweep(server, {
      levels: [1, 2, 4, 8, 16, 32],
      profile: {
        dataset: { name: 'random', input_len: 10, output_len: 100, range_ratio: 0 },
        ignoreEos: true,
        requests: 50,
      },
    });
    // Every level valid first (a simulator that fell behind on a busy host says so here).
    for (const level of sweep.levels) {
      expect(level.valid, `concurrency ${level.concurrency}: ${level.invalidReasons.join('; ')}`).toBe(true);
    }
    // The headline: saturated at 16 users, the slots the server has.
    expect(sweep.saturation).toBe(16);
    const at = (c: number) => sweep.levels.find((l) => l.concurrency === c);
    const c16 = at(16);
    const c32 = at(32);
    expect(c16?.scaling).toBeGreaterThan(6);
    // Past the slots half the users wait a whole batch: p99 TTFT ~25x (seed 004: 16x); 3x leaves room for a busy host.
    expect(c32?.p99TtftMs).toBeGreaterThan(3 * (c16?.p99TtftMs ?? Number.POSITIVE_INFINITY));
    // The client held every level's concurrency, and nothing failed or was refused.
    for (const level of sweep.levels) {
      expect(level.littleOk, `Little's law at concurrency ${level.concurrency}`).toBe(true);
      expect(level.failed + level.rateLimited).toBe(0);
    }
  });
});
