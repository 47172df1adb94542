import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { buildLlamaServer, defaultCacheDir } from '../../scripts/llama-cpp/build.ts';
import { generateRandomGguf } from '../../scripts/llama-cpp/random-gguf.ts';
import { servebench } from '../../src/vitest/plugin.ts';

/**
 * llama.cpp's llama-server, a real serving engine, through the process target: built from
 * node-llama-cpp's bundled source (scripts/llama-cpp/build.ts, cached) and serving a random-weight
 * GGUF of ours (scripts/llama-cpp/random-gguf.ts), so nothing is downloaded.
 *
 *   npx vitest run --config suites/llama-cpp/vitest.config.ts        # CPU, tiny model (CI)
 *   SERVEBENCH_LLAMA_GPUS=auto SERVEBENCH_LLAMA_SERVER=<cuda build> \
 *     npx vitest run --config suites/llama-cpp/vitest.config.ts      # GPU, Qwen2.5-1.5B shape
 *
 * SERVEBENCH_LLAMA_MODEL names a GGUF instead of the generated one. Results (and the baselines,
 * which belong to this machine, not to the repository) go to results/llama-cpp, or
 * SERVEBENCH_LLAMA_RESULTS.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const scripts = join(root, 'scripts/llama-cpp');
const onGpu = process.env.SERVEBENCH_LLAMA_GPUS === 'auto';
const results = process.env.SERVEBENCH_LLAMA_RESULTS ?? 'results/llama-cpp';

export default defineConfig(async () => {
  const cacheDir = defaultCacheDir();
  const server =
    process.env.SERVEBENCH_LLAMA_SERVER ??
    buildLlamaServer({ backend: 'cpu', cudaArch: '90', jobs: cpus().length, source: null, cacheDir }).path;
  const shape = onGpu ? 'qwen2.5-1.5b' : 'tiny';
  let model = process.env.SERVEBENCH_LLAMA_MODEL;
  if (!model) {
    // Named by the generator's own source: a changed generator never serves a stale cached model.
    const generator = createHash('sha256');
    for (const file of readdirSync(scripts)
      .filter((f) => /^(gguf-writer|random-gguf|tokenizer-.*)\.ts$/.test(f))
      .sort())
      generator.update(readFileSync(join(scripts, file)));
    model = join(
      cacheDir,
      'models',
      `random-${shape}-seed0-f16-${generator.digest('hex').slice(0, 10)}.gguf`,
    );
    mkdirSync(dirname(model), { recursive: true });
    if (!existsSync(model)) await generateRandomGguf({ shape, out: model, seed: 0, type: 'f16' });
  }
  return {
    // `servebench` resolves to this repository's sources (see the root vitest.config.ts).
    ssr: { resolve: { conditions: ['servebench-source'] } },
    root,
    plugins: [
      servebench({
        target: 'process',
        llamaServer: server,
        gpus: onGpu ? 'auto' : 'none',
        resultsDir: results,
        baselinesDir: `${results}/baselines`,
      }),
    ],
    test: {
      include: ['suites/llama-cpp/**/*.llama.ts'],
      env: { SERVEBENCH_LLAMA_MODEL: model, SERVEBENCH_LLAMA_GPUS: onGpu ? 'auto' : 'none' },
      testTimeout: 600_000,
      hookTimeout: 300_000,
    },
  };
});
