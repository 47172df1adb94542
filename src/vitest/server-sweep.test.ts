import { describe, expect, it } from 'vitest';
import { runServerSweep, type ServerSweep } from './server-sweep.ts';

/** Bad sweeps are rejected with the field named before any server starts (no broker runs here). */
const valid = (): ServerSweep => ({
  kind: 'mps',
  points: [50, 100].map((x) => ({ x, server: { mpsActiveThreadPercentage: x } })),
  load: { arrival: { kind: 'poisson', rate: 4 }, requests: 40 },
  slo: { goodput: { ttft: 200 } },
});

describe('runServerSweep input checks', () => {
  it.each([
    [
      'a repeated x',
      {
        points: [
          { x: 50, server: {} },
          { x: 50, server: {} },
        ],
      },
      /points: must not repeat an x value/,
    ],
    ['no points', { points: [] }, /points: must list at least one point/],
    [
      'a bad server spec',
      { points: [{ x: 1, server: { gpus: -1 } }] },
      /server sweep points\[0\]\.server.*gpus/s,
    ],
    [
      'a bad load',
      { load: { arrival: { kind: 'poisson', rate: 4 }, requests: -5 } },
      /server sweep load.*requests/s,
    ],
    ['capacity without an SLO', { slo: undefined, capacity: {} }, /capacity: needs slo/],
    ['a reference that is no point', { reference: 70 }, /reference: 70 is not the x of any point/],
    [
      'published figures for a point the sweep lacks',
      { published: { source: 'seed', points: [{ x: 100 }, { x: 30, meanTtftMs: 5 }] } },
      /published\.points: x 30 is not a point of the sweep/,
    ],
    [
      'published figures without the reference point',
      { published: { source: 'seed', points: [{ x: 50, meanTtftMs: 5 }] } },
      /published\.points: needs the reference point \(x 100\)/,
    ],
  ])('rejects %s', async (_, change, message) => {
    await expect(runServerSweep({ ...valid(), ...change } as ServerSweep)).rejects.toThrow(message);
  });
});
