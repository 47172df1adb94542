import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../load/run-load.ts';
import { type SlotServer, startSlotServer } from '../testing/slot-server.ts';
import { findCapacity, type ProbeRunner } from './find-capacity.ts';
import type { ProbeBaseInput } from './spec.ts';

// Service 17 ms per request; up to `slots` users never wait, one more makes a quarter of the
// requests wait most of a service time (find-capacity.timing.test.ts has the arithmetic).
let four: SlotServer;
let three: SlotServer;
let base: ProbeBaseInput;
beforeAll(async () => {
  [four, three] = await Promise.all([
    startSlotServer({ slots: 4, ttftMs: 10, itlMs: 1 }),
    startSlotServer({ slots: 3, ttftMs: 10, itlMs: 1 }),
  ]);
  base = {
    baseUrl: four.url,
    dataset: { name: 'random', input_len: 8, output_len: 8 },
    maxLatenessP99Ms: 50,
  };
});
afterAll(() => Promise.all([four.close(), three.close()]));

const slo = { goodput: { ttft: 15 }, attainment: 0.9 };
const search = { variable: 'concurrency', mode: 'adaptive', start: 2 } as const;

describe('adaptive capacity', () => {
  it('raises the load x1.5 by windows, backs off at the first failure, bisects, then holds', async () => {
    const result = await findCapacity(base, slo, search);
    expect(result).toMatchObject({
      mode: 'adaptive',
      max_passing: 4,
      min_failing: 5,
      stop_reason: 'precision',
    });
    const firstRuns = result.probes.filter((p) => p.extensions === 0);
    expect(firstRuns.map((p) => [p.phase, p.load])).toEqual([
      ['window', 2],
      ['window', 3],
      ['window', 5],
      ['window', 4],
      ['hold', 4],
      ['hold', 4],
    ]);
  });

  it('lowers max_passing when a hold window fails, and holds again below', async () => {
    // The server loses a slot while the boundary is held: hold windows run against 3 slots.
    const runProbe: ProbeRunner = async (profile, probe) => ({
      result: await runLoad(probe.phase === 'hold' ? { ...profile, baseUrl: three.url } : profile),
      rawFile: null,
    });
    const result = await findCapacity(base, slo, search, { runProbe });
    expect(result).toMatchObject({ max_passing: 3, min_failing: 4, stop_reason: 'precision' });
    const holds = result.probes.filter((p) => p.phase === 'hold');
    expect(holds[0]).toMatchObject({ load: 4, verdict: 'fail' });
    expect(holds.filter((p) => p.load === 3 && p.verdict === 'pass').length).toBeGreaterThanOrEqual(2);
  });
});
