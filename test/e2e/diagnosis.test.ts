import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dirs, vitest } from './helpers/fixture-project.ts';

describe('a real Vitest run samples the host CPU and diagnoses every point', () => {
  it('puts hostCpu and diagnosis on every point and a Bottleneck section and Host CPU table in the report', async () => {
    const d = await dirs();
    // The plumbing is under test, not the host's speed.
    const run = await vitest(
      { FX_OPTIONS: d.options(), FX_MAX_LATENESS_MS: '1000', FX_TTFT_LIMIT: '60000' },
      ['suite.test.ts'],
    );
    expect(run.code, run.out).toBe(0);
    const results = JSON.parse(await readFile(join(d.results, 'results.json'), 'utf8'));
    expect(results.points.length).toBeGreaterThan(0);
    for (const point of results.points) {
      if (process.platform === 'linux') {
        expect(point.hostCpu).toMatchObject({ source: '/proc/stat', available: true });
        expect(point.hostCpu.samples).toBeGreaterThan(0);
      } else {
        expect(point.hostCpu).toMatchObject({ available: false });
      }
      expect(point.diagnosis.findings.map((f: { rule: string }) => f.rule)).toEqual([
        'client',
        'host-cpu',
        'kv-cache',
        'queueing',
        'gpu-utilisation',
        'phase',
      ]);
      // Simulated: the GPU is never judged; the server's /metrics are.
      const gpu = point.diagnosis.findings.find((f: { rule: string }) => f.rule === 'gpu-utilisation');
      expect(gpu.verdict).toBe('not judged: no GPU telemetry (simulated server)');
      const kv = point.diagnosis.findings.find((f: { rule: string }) => f.rule === 'kv-cache');
      expect(kv.status).not.toBe('not-judged');
    }
    const summary = await readFile(join(d.results, 'summary.md'), 'utf8');
    expect(summary).toContain('**Bottleneck:**');
    expect(summary).toContain('| test | verdict | evidence | what to try |');
    if (process.platform === 'linux') expect(summary).toContain('**Host CPU**');
    if (process.env.SHOW_SUMMARY) console.log(summary);
  });
});
