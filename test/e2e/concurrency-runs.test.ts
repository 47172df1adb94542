import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultsFileSchema } from '../../src/report/schema.ts';
import { dirs, vitest } from './helpers/fixture-project.ts';

/**
 * A real Vitest run of a concurrency sweep (test/e2e/fixture/concurrency.test.ts) on the simulator,
 * in CI mode: the sweep records no baseline and the gate does not ask for one; results.json holds
 * the sweep, summary.md its answer, table and chart, and raw records are kept per level.
 */
describe('a concurrency sweep in a real Vitest run (simulator)', () => {
  it("finds the saturation at the server's 4 slots and reports it", async () => {
    const d = await dirs();
    const run = await vitest({ FX_OPTIONS: d.options(), FX_INCLUDE: 'concurrency.test.ts', CI: 'true' });
    expect(run.code, run.out).toBe(0);

    const results = resultsFileSchema.parse(
      JSON.parse(await readFile(join(d.results, 'results.json'), 'utf8')),
    );
    const point = results.points[0];
    const sweep = point?.concurrencySweep;
    expect(point?.state).toBe('passed');
    expect(point?.baseline).toBeNull();
    expect(sweep?.saturation).toBe(4);
    expect(sweep?.levels.map((l) => l.concurrency)).toEqual([1, 2, 4, 8]);
    for (const level of sweep?.levels ?? []) {
      expect(level).toMatchObject({ requests: 24, completed: 24, failed: 0, rateLimited: 0, littleOk: true });
    }
    // Past the slots, users queue: throughput flat, TTFT up.
    const [, , c4, c8] = sweep?.levels ?? [];
    expect(c8?.p99TtftMs).toBeGreaterThan(2 * (c4?.p99TtftMs ?? Number.POSITIVE_INFINITY));
    // Each level keeps what the server's own /metrics said (these levels are shorter than the 1 s
    // scrape interval, so gauges are read around the load, not during it) and the host's CPUs.
    for (const level of sweep?.levels ?? []) {
      expect(level.serverMetrics?.available, `level ${level.concurrency}`).toBe(true);
      expect(level.serverMetrics?.counters.generationTokens?.increase, `level ${level.concurrency}`).toBe(
        24 * 64,
      );
      expect(level.hostCpu?.available, `level ${level.concurrency}`).toBe(true);
    }

    const summary = await readFile(join(d.results, 'summary.md'), 'utf8');
    expect(summary).toMatch(
      /\*\*Throughput saturates at concurrency 4: [\d,]+ tok\/s, [\d.]+× concurrency 1\*\*/,
    );
    expect(summary).toContain("| Little's law (in flight / concurrency) |");
    expect(summary).toContain('**Server, GPUs and host during each level**');
    expect(await readdir(join(d.results, 'charts'))).toEqual(['concurrency-experiment-concurrency.svg']);
    expect(
      await readdir(join(d.results, 'raw', 'concurrency-experiment', 'throughput-vs-concurrency')),
    ).toEqual(
      [1, 2, 4, 8].flatMap((c) => [`concurrency-${c}.jsonl`, `concurrency-${c}.server-metrics.jsonl`]),
    );
  });
});
