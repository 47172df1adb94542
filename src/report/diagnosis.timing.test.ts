import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { warmUp } from '../../test/helpers/sim/load.ts';
import { runLoad } from '../load/run-load.ts';
import { resolveConfig } from '../sim/config.ts';
import { createSimServer } from '../sim/http/server.ts';
import { Simulator } from '../sim/simulator.ts';
import { HostCpuSampler } from '../telemetry/host-cpu.ts';
import { ServerMetricsScraper } from '../telemetry/server-metrics-scraper.ts';
import { clientCounts, summarizeServerMetrics } from '../telemetry/server-metrics-summary.ts';
import { diagnose } from './diagnosis.ts';

const MODEL = 'Qwen/Qwen2.5-1.5B-Instruct';

describe('a saturated simulator is diagnosed from its own vLLM /metrics', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // 5 % of an H100 leaves ~4,000 tokens of KV cache: about ten of these requests at once.
    const config = resolveConfig({
      gpu: 'H100',
      model: MODEL,
      gpuMemoryUtilization: 0.05,
      maxModelLen: 2048,
    });
    server = createSimServer(new Simulator(config));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('as queueing and KV-cache bound, with the figures, and not judged on the GPU', async () => {
    await warmUp(url, MODEL);
    const scraper = await ServerMetricsScraper.start(url, { intervalMs: 200 });
    const cpu = HostCpuSampler.start({ intervalMs: 200 });
    // 60 requests of 256 + 128 tokens at 60 req/s: six times what the cache holds arrive in a second.
    const result = await runLoad({
      baseUrl: url,
      arrival: { kind: 'poisson', rate: 60 },
      requests: 60,
      dataset: { name: 'random', input_len: 256, output_len: 128 },
      workers: 1,
    }).finally(() => scraper.stop());
    const hostCpu = cpu.stop();
    const serverMetrics = summarizeServerMetrics(await scraper.stop(), clientCounts(result.records));
    expect(result.summary.completed).toBe(60);

    const d = diagnose({
      summary: result.summary,
      invalidReasons: result.summary.invalid_reasons,
      simulated: true,
      serverMetrics,
      hostCpu,
    });
    const by = Object.fromEntries(d.findings.map((f) => [f.rule, f]));
    expect(by.queueing?.status).toBe('found');
    if (process.env.SHOW_DIAGNOSIS) console.log(JSON.stringify(d, null, 1));
    // Judged from the server's figures: requests waiting, or time spent waiting.
    const q = by.queueing?.figures ?? {};
    expect((q.waitingMean ?? 0) >= 1 || (q.queueTimeMeanMs ?? 0) >= 100).toBe(true);
    expect(by['kv-cache']?.status).toBe('found');
    expect(by['kv-cache']?.figures.kvCacheMaxPct).toBeGreaterThanOrEqual(95);
    expect(d.verdict).toMatch(/^(client-bound, )?(CPU-bound host, )?KV-cache bound, queueing/);
    expect(by['gpu-utilisation']?.verdict).toBe('not judged: no GPU telemetry (simulated server)');
    expect(by.phase?.status).not.toBe('not-judged');
  });
});
