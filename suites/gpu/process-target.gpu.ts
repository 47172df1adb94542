import { runLoad, useServer } from 'servebench';
import { describe, expect, it } from 'vitest';
import { detectGpus } from '../../src/telemetry/nvidia-smi.ts';

/** Requests per point; SERVEBENCH_GPU_REQUESTS makes a quick plumbing run. */
const REQUESTS = Number(process.env.SERVEBENCH_GPU_REQUESTS ?? 100);

interface StandInVersion {
  standin: boolean;
  'servebench-gpu-standin': {
    cuda_visible_devices: string | null;
    engines: { gpu: { name: string; uuid: string } | null }[];
  };
}

/**
 * The process target on a real GPU: servebench's stand-in server (Qwen2.5-1.5B-shaped, random
 * weights, CUDA graphs) starts on the GPU leased to this file, serves ShareGPT-like load at two
 * rates, and every point carries GPU telemetry sampled with nvidia-smi during the load.
 */
describe('gpu: stand-in Qwen2.5-1.5B through the process target', () => {
  const server = useServer({
    model: 'Qwen/Qwen2.5-1.5B-Instruct',
    args: ['--max-num-seqs', '256', '--max-model-len', '4096'],
  });

  it('runs on the leased GPU and says it is a stand-in', async () => {
    const info = server.info;
    if (!info) throw new Error('no server');
    expect(info.target).toBe('process');
    expect(info.simulated).toBe(false);
    expect(info.hardware).toMatch(/^standin:/);
    const version = (await (await fetch(`${info.url}/version`)).json()) as StandInVersion;
    expect(version.standin).toBe(true);
    const own = version['servebench-gpu-standin'];
    expect(own.cuda_visible_devices).toBe(info.gpus.join(','));
    console.log(
      `[gpu] lease ${info.gpus.join(',')} -> ${own.engines.map((e) => `${e.gpu?.name} ${e.gpu?.uuid}`).join('; ')}`,
    );
    // The GPU torch runs on in the server is the one nvidia-smi lists under the leased id.
    const leased = (await detectGpus()).filter(
      (g) => info.gpus.includes(g.index) || info.gpus.includes(g.uuid),
    );
    expect(own.engines.map((e) => e.gpu?.uuid)).toEqual(leased.map((g) => g.uuid));
  });

  for (const rate of [4, 16]) {
    it(`${rate} req/s`, async ({ task }) => {
      const result = await runLoad(
        server,
        {
          arrival: { kind: 'poisson', rate },
          requests: REQUESTS,
          dataset: { name: 'sharegpt', path: 'fixtures/sharegpt-small.json' },
        },
        { x: rate, xLabel: 'offered rate (req/s)' },
      );
      expect(result).toMeetSLO({ errorRate: 0 });
      const telemetry = task.meta.servebench?.telemetry;
      expect(telemetry?.error).toBeUndefined();
      expect(telemetry?.gpus.map((g) => g.index)).toEqual(result.server.gpus);
      expect(telemetry?.gpus[0]?.samples).toBeGreaterThan(0);
      await expect(result).toMatchBaseline();
    });
  }
});
