import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GpuSampler } from './gpu-sampler.ts';
import { detectGpus, parseSampleLine } from './nvidia-smi.ts';
import { pointTelemetrySchema } from './schema.ts';
import { summarizeSamples } from './summarize.ts';

/**
 * A fake `nvidia-smi` (mock GPU): two GPUs, GPU 0's utilisation climbing 0, 10, 20, ... per sample,
 * GPU 1 without a power reading; honours -lms like the real one and checks the query it gets.
 */
const FAKE_NVIDIA_SMI = `#!/usr/bin/env bash
ms=1000
for arg in "$@"; do
  case "$prev" in -lms) ms="$arg" ;; esac
  prev="$arg"
done
case "$*" in
  *--query-gpu=index,uuid,utilization.gpu,memory.used,memory.total,clocks.sm,power.draw*) ;;
  *) echo "unexpected arguments: $*" >&2; exit 2 ;;
esac
i=0
while true; do
  echo "0, GPU-aaaa-0000, $(( (i * 10) % 100 )), $(( 1000 + i )), 81559, 1980, 310.25"
  echo "1, GPU-bbbb-1111, 0, 5, 81559, 345, [N/A]"
  i=$((i + 1))
  sleep "$(awk "BEGIN { print $ms / 1000 }")"
done
`;

async function fakeCommand(script: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'servebench-fake-smi-'));
  const path = join(dir, 'nvidia-smi');
  await writeFile(path, script);
  await chmod(path, 0o755);
  return path;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('nvidia-smi CSV', () => {
  it('parses a sample line and maps [N/A] to null', () => {
    expect(parseSampleLine('3, GPU-x, 97, 70000, 81559, 1755, [N/A]', 12)).toEqual({
      atMs: 12,
      index: '3',
      uuid: 'GPU-x',
      utilizationPct: 97,
      memoryUsedMiB: 70000,
      memoryTotalMiB: 81559,
      smClockMHz: 1755,
      powerW: null,
    });
    expect(parseSampleLine('index, uuid, utilization.gpu', 0)).toBeNull();
    expect(parseSampleLine('', 0)).toBeNull();
  });

  it('detects GPUs through the same parser (mock GPU: a fake nvidia-smi), none when it fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'servebench-smi-'));
    const fake = join(dir, 'nvidia-smi');
    await writeFile(
      fake,
      `#!/usr/bin/env bash
[ "$1" = "--query-gpu=index,uuid,name,memory.total" ] || { echo "unexpected query $1" >&2; exit 3; }
echo "WARNING: infoROM is corrupted at gpu 0000:41:00.0"
echo "0, GPU-aaa, NVIDIA H200, 143771"
echo "1, GPU-bbb, NVIDIA H200, [N/A]"
`,
    );
    await chmod(fake, 0o755);
    expect(await detectGpus(fake)).toEqual([
      { index: '0', uuid: 'GPU-aaa', name: 'NVIDIA H200', memoryMiB: 143771 },
      { index: '1', uuid: 'GPU-bbb', name: 'NVIDIA H200', memoryMiB: 0 },
    ]);
    expect(await detectGpus(join(dir, 'missing'))).toEqual([]);
  });

  it('summarises per GPU, keeping the leased ones by index or UUID', () => {
    const s = (index: string, uuid: string, util: number) => ({
      atMs: 0,
      index,
      uuid,
      utilizationPct: util,
      memoryUsedMiB: 100,
      memoryTotalMiB: 200,
      smClockMHz: null,
      powerW: 50,
    });
    const samples = [s('0', 'GPU-a', 10), s('1', 'GPU-b', 90), s('0', 'GPU-a', 30)];
    const [gpu] = summarizeSamples(samples, ['GPU-a']);
    expect(summarizeSamples(samples, ['GPU-a'])).toHaveLength(1);
    expect(gpu).toMatchObject({
      index: '0',
      samples: 2,
      utilizationPct: { mean: 20, max: 30 },
      smClockMHz: null,
    });
    expect(summarizeSamples(samples)).toHaveLength(2);
  });
});

describe('GpuSampler with a fake nvidia-smi (mock GPU)', () => {
  it('samples the leased GPU during a run and summarises mean and max', async () => {
    const command = await fakeCommand(FAKE_NVIDIA_SMI);
    const sampler = GpuSampler.start({ command, intervalMs: 100, gpus: ['0'] });
    await sleep(650);
    const telemetry = await sampler.stop();
    expect(pointTelemetrySchema.parse(telemetry)).toEqual(telemetry);
    expect(telemetry.error).toBeUndefined();
    expect(telemetry.intervalMs).toBe(100);
    expect(telemetry.durationS).toBeGreaterThan(0.6);
    expect(telemetry.gpus).toHaveLength(1);
    const gpu = telemetry.gpus[0];
    const n = gpu?.samples ?? 0;
    expect(n).toBeGreaterThanOrEqual(3);
    expect(n).toBeLessThanOrEqual(8);
    // Utilisation went 0, 10, ..., 10(n-1): mean 5(n-1), max 10(n-1).
    expect(gpu).toMatchObject({
      index: '0',
      uuid: 'GPU-aaaa-0000',
      utilizationPct: { mean: 5 * (n - 1), max: 10 * (n - 1) },
      memoryUsedMiB: { max: 1000 + n - 1 },
      memoryTotalMiB: 81559,
      smClockMHz: { mean: 1980, max: 1980 },
      powerW: { mean: 310.25, max: 310.25 },
    });
  });

  it('reports every GPU when no lease is given, with null for quantities nvidia-smi cannot read', async () => {
    const sampler = GpuSampler.start({ command: await fakeCommand(FAKE_NVIDIA_SMI), intervalMs: 100 });
    await sleep(300);
    const telemetry = await sampler.stop();
    expect(telemetry.gpus.map((g) => g.index)).toEqual(['0', '1']);
    expect(telemetry.gpus[1]?.powerW).toBeNull();
  });

  it('says why there is no telemetry when nvidia-smi is missing', async () => {
    const sampler = GpuSampler.start({ command: '/nonexistent/nvidia-smi', intervalMs: 100 });
    const telemetry = await sampler.stop();
    expect(telemetry.gpus).toEqual([]);
    expect(telemetry.error).toBe('/nonexistent/nvidia-smi not found: no GPU telemetry');
  });

  it('reports nvidia-smi failing during the run with its message', async () => {
    const command = await fakeCommand(
      '#!/usr/bin/env bash\necho "NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver." >&2\nexit 9\n',
    );
    const sampler = GpuSampler.start({ command, intervalMs: 100 });
    await sleep(200);
    const telemetry = await sampler.stop();
    expect(telemetry.gpus).toEqual([]);
    expect(telemetry.error).toMatch(/exited \(code 9\) during the run: NVIDIA-SMI has failed/);
  });

  it('says so when nvidia-smi lists none of the leased GPUs', async () => {
    const sampler = GpuSampler.start({
      command: await fakeCommand(FAKE_NVIDIA_SMI),
      intervalMs: 100,
      gpus: ['7'],
    });
    await sleep(250);
    const telemetry = await sampler.stop();
    expect(telemetry.error).toMatch(/reported none of the GPUs 7/);
  });
});
