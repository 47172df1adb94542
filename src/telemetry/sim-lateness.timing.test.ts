import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../load/run-load.ts';
import { resolveConfig } from '../sim/config.ts';
import type { StepReport } from '../sim/engine/engine.ts';
import { createSimServer } from '../sim/http/server.ts';
import { SimMetrics } from '../sim/metrics/sim-metrics.ts';
import { Simulator } from '../sim/simulator.ts';
import { simLateness, simLatenessProbe, simLatenessReasons, simStepCounters } from './sim-lateness.ts';

const step = (o: Partial<StepReport>): StepReport => ({
  engine: 0,
  duration: 0.01,
  lateness: 0.0002,
  lost: 0,
  tokens: 8,
  sequences: 8,
  ...o,
});

/** The simulator's own metrics after `steps`, read back as the probe reads them. */
function counters(metrics: SimMetrics, steps: StepReport[]) {
  for (const s of steps) metrics.onStep(s);
  return simStepCounters(metrics.render());
}

describe("the simulator's lateness, from its /metrics", () => {
  it('judges the share of modelled time lost and the step-lateness tail of what happened in between', () => {
    const metrics = new SimMetrics('m', () => [], {});
    const before = counters(
      metrics,
      Array.from({ length: 50 }, () => step({ lateness: 0.3, lost: 0.3 })),
    );
    // Between the readings: 1,000 steps of 10 ms over two engines, 10 of them 60 ms late (lost).
    const after = counters(
      metrics,
      Array.from({ length: 1000 }, (_, i) =>
        step({ engine: i % 2, ...(i % 100 === 0 ? { lateness: 0.06, lost: 0.06 } : {}) }),
      ),
    );
    if (!before || !after) throw new Error('no step counters');
    const l = simLateness(before, after);
    expect(l.steps).toBe(1000);
    expect(l.modelledS).toBeCloseTo(10, 9);
    expect(l.lostS).toBeCloseTo(0.6, 9);
    expect(l.lostShare).toBeCloseTo(0.06, 9);
    // p99 of 1,000 steps: rank 990 is the last of the 990 steps in (0.1, 0.25] ms; the rare long
    // stalls are what the lost share catches.
    expect(l.percentile).toBe(99);
    expect(l.latenessMs).toBeGreaterThan(0.1);
    expect(l.latenessMs).toBeLessThanOrEqual(0.25);
    const reasons = simLatenessReasons(l, { maxLatenessP99Ms: 10 });
    expect(reasons).toEqual([
      expect.stringMatching(
        /^the simulator fell behind its model: it lost 6\.0% of the 10\.00 s it modelled \(1000 steps; .*\), more than 5% allowed/,
      ),
    ]);
    expect(simLatenessReasons(l, { maxLatenessP99Ms: 10, maxLostShare: 0.1 })).toEqual([]);
  });

  it('judges the tail at a percentile the step count supports, naming maxLatenessP99Ms', () => {
    const metrics = new SimMetrics('m', () => [], {});
    const before = counters(metrics, []);
    const after = counters(
      metrics,
      Array.from({ length: 200 }, (_, i) => step({ lateness: i < 8 ? 0.015 : 0.0003 })),
    );
    if (!before || !after) throw new Error('no step counters');
    const l = simLateness(before, after);
    expect(l.percentile).toBe(97.5); // five of 200 steps beyond it
    expect(l.latenessMs).toBeGreaterThan(10);
    expect(l.latenessMs).toBeLessThanOrEqual(25);
    expect(simLatenessReasons(l, { maxLatenessP99Ms: 10 })).toEqual([
      expect.stringMatching(
        /^the simulator's step timing was off: p97\.5 step lateness 1\d\.\d ms > 10 ms allowed \(maxLatenessP99Ms in the load profile; of 200 steps\)/,
      ),
    ]);
  });

  it('says so when there is nothing to read', async () => {
    const probe = await simLatenessProbe('http://127.0.0.1:9');
    expect(await probe.stop()).toEqual([
      expect.stringMatching(
        /^the simulator's timing could not be checked \(GET http:\/\/127\.0\.0\.1:9\/metrics failed/,
      ),
    ]);
  });
});

describe('a real simulator in this process, probed around a load run', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createSimServer(
      new Simulator(resolveConfig({ gpu: 'H100', model: 'Qwen/Qwen2.5-1.5B-Instruct' })),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  // The client runs in worker threads, so blocking this thread stalls only the simulator.
  const load = () =>
    runLoad({
      baseUrl: url,
      arrival: { kind: 'poisson', rate: 10 },
      requests: 25,
      dataset: { name: 'random', input_len: 64, output_len: 64 },
      workers: 2,
    });

  it('finds nothing wrong while the simulator keeps time', async () => {
    const probe = await simLatenessProbe(url, { maxLatenessP99Ms: 10 });
    const { summary } = await load();
    expect(summary.completed).toBe(25);
    expect(await probe.stop()).toEqual([]);
  });

  it('makes the run invalid when the event loop the simulator runs on is blocked', async () => {
    const probe = await simLatenessProbe(url, { maxLatenessP99Ms: 10 });
    // 300 ms of busy loop every 50 ms, at most 8 times: the simulator's steps fire late.
    let blocks = 0;
    const busy = setInterval(() => {
      if (++blocks > 8) return clearInterval(busy);
      const until = performance.now() + 300;
      while (performance.now() < until) {
        // busy on purpose
      }
    }, 50);
    const { summary } = await load().finally(() => clearInterval(busy));
    expect(summary.completed).toBe(25);
    const reasons = await probe.stop();
    expect(reasons.join('\n')).toMatch(/the simulator fell behind its model: it lost \d+\.\d% of the/);
  });
});
