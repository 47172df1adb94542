import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultsFileSchema } from '../report/schema.ts';

const root = join(import.meta.dirname, '../..');
const vitestBin = join(root, 'node_modules/vitest/vitest.mjs');

function hasPython(): boolean {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A fake nvidia-smi (mock GPU): one "Mock GPU" for detection, and telemetry samples with -lms. */
const FAKE_NVIDIA_SMI = `#!/usr/bin/env bash
case "$*" in
  *--query-gpu=index,uuid,name,memory.total*) echo "0, GPU-mock-0000, Mock GPU, 81559"; exit 0 ;;
  *--query-gpu=index,uuid,utilization.gpu*)
    while true; do echo "0, GPU-mock-0000, 87, 20480, 81559, 1980, 350.5"; sleep 0.1; done ;;
esac
echo "unexpected arguments: $*" >&2
exit 2
`;

/** A fake nvidia-cuda-mps-control (mock GPU): -f runs until a client says quit. */
const FAKE_MPS_CONTROL = `#!/usr/bin/env bash
pipe="$CUDA_MPS_PIPE_DIRECTORY"
if [ "$1" = "-f" ]; then
  touch "$pipe/control"
  while [ ! -e "$pipe/quit" ]; do sleep 0.05; done
  exit 0
fi
read -r command
[ "$command" = quit ] && touch "$pipe/quit"
exit 0
`;

async function fakeTools(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'servebench-mock-gpu-'));
  for (const [name, script] of [
    ['nvidia-smi', FAKE_NVIDIA_SMI],
    ['nvidia-cuda-mps-control', FAKE_MPS_CONTROL],
  ] as const) {
    await writeFile(join(dir, name), script);
    await chmod(join(dir, name), 0o755);
  }
  return dir;
}

function run(env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [vitestBin, 'run', '--configLoader', 'native', '--config', 'suites/gpu/vitest.config.ts'],
      {
        cwd: root,
        env: { ...process.env, CI: '', GITHUB_STEP_SUMMARY: '', FORCE_COLOR: '0', ...env },
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code: code ?? -1, out }));
  });
}

// The stand-in server is Python: every machine of this project has python3; outside CI a
// machine without it skips with this reason in the test name.
describe.skipIf(!hasPython() && !process.env.CI)(
  `GPU suites, run for real with a mock GPU (fake nvidia-smi, stand-in --engine sleep)${hasPython() ? '' : ' (skipped: no python3 here for the stand-in)'}`,
  () => {
    it('process target on the leased GPU, telemetry in results.json and summary.md, MPS sweep with a daemon', async () => {
      const tools = await fakeTools();
      const results = await mkdtemp(join(tmpdir(), 'servebench-gpu-results-'));
      const { code, out } = await run({
        PATH: `${tools}:${process.env.PATH}`,
        SERVEBENCH_STANDIN_ARGS: '--engine sleep --mock-gpu-uuid GPU-mock-0000',
        SERVEBENCH_GPU_REQUESTS: '6',
        SERVEBENCH_GPU_RESULTS: results,
      });
      expect(code, out).toBe(0);
      expect(out).toMatch(/target 'process'/);
      expect(out).toMatch(/\[gpu\] lease 0 -> mock GPU \(--engine sleep\) GPU-mock-0000/);
      expect(out).toMatch(/\[gpu mps\] .*ratios against 100%/);

      const file = resultsFileSchema.parse(JSON.parse(await readFile(join(results, 'results.json'), 'utf8')));
      expect(file.simulated).toBe(false);
      expect(file.gpus).toEqual(['0: Mock GPU (GPU-mock-0000)']);
      const sweep = ['20', '40', '60', '80', '100'].map((p) => `${p}% active threads`);
      const tests = (experiment: string) =>
        file.points.filter((p) => p.experiment === experiment).map((p) => p.test);
      expect(tests('gpu: stand-in Qwen2.5-1.5B through the process target')).toEqual(['4 req/s', '16 req/s']);
      expect(tests('gpu mps: stand-in Qwen2.5-1.5B at 4 req/s')).toEqual(sweep);
      expect(tests('gpu mps: stand-in Qwen2.5-1.5B at 4 req/s, 1024-token prompts')).toEqual(sweep);
      for (const p of file.points) {
        expect(p.key.hardware).toBe('standin:Mock GPU x1');
        expect(p.underTest.server).toMatch(/servebench-gpu-standin \(servebench GPU stand-in, not vLLM\)$/);
        expect(p.state).toBe('passed');
        expect(p.telemetry?.gpus).toEqual([
          expect.objectContaining({
            index: '0',
            uuid: 'GPU-mock-0000',
            utilizationPct: { mean: 87, max: 87 },
          }),
        ]);
      }
      const summary = await readFile(join(results, 'summary.md'), 'utf8');
      expect(summary).toContain('**GPU telemetry**');
      expect(summary).toContain(
        '| 4 req/s | 0 (GPU-mock-000…) | 87 / 87 | 20.0 / 20.0 of 79.6 | 1,980 / 1,980 | 351 / 351 |',
      );
    });
  },
);
