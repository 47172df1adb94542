import { fileURLToPath } from 'node:url';
import { servebench } from 'servebench';
import { defineConfig } from 'vitest/config';

/**
 * GPU validation suites (docs/gpu-validation.md): servebench's GPU stand-in server
 * (fixtures/gpu-server, Python + torch) through the process target on the leased GPUs, with GPU
 * telemetry and MPS. Needs nvidia-smi and a GPU:
 *
 *   npx vitest run --config suites/gpu/vitest.config.ts
 *
 * SERVEBENCH_STANDIN_ARGS adds stand-in flags (e.g. '--engine sleep' for a mock-GPU run of the
 * plumbing); SERVEBENCH_GPU_RESULTS moves the results (default results/gpu).
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const server = fileURLToPath(new URL('../../fixtures/gpu-server/server.py', import.meta.url));
const extra = (process.env.SERVEBENCH_STANDIN_ARGS ?? '').split(/\s+/).filter(Boolean);
const results = process.env.SERVEBENCH_GPU_RESULTS ?? 'results/gpu';

export default defineConfig({
  // `servebench` resolves to this repository's sources (see the root vitest.config.ts).
  ssr: { resolve: { conditions: ['servebench-source'] } },
  root,
  plugins: [
    servebench({
      target: 'process',
      command: [
        process.env.SERVEBENCH_PYTHON ?? 'python3',
        server,
        '--model',
        '{model}',
        '--port',
        '{port}',
        ...extra,
        '{args}',
      ],
      resultsDir: results,
      // GPU baselines of the stand-in stay with the results: they are not the committed ones.
      baselinesDir: `${results}/baselines`,
    }),
  ],
  test: { include: ['suites/gpu/**/*.gpu.ts'] },
});
