/** The files `servebench init` writes into a user's project, by path relative to its root. */

export const vitestConfig = `import { servebench } from 'servebench';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    // target 'auto': vLLM on this machine's GPUs when nvidia-smi lists any, else servebench's
    // embedded simulator (every report then says SIMULATED). See the servebench README for
    // 'container' (vLLM through Docker), 'process' and 'url'.
    servebench({ target: 'auto', resultsDir: 'results', baselinesDir: 'baselines' }),
  ],
  test: { include: ['suites/**/*.test.ts'] },
});
`;

export const exampleSuite = `import { type ExperimentProfile, runLoad, useServer } from 'servebench';
import { describe, expect, it } from 'vitest';

/**
 * Saturation: how much load does one GPU hold? Poisson load rises past the knee; throughput
 * flattens while TTFT climbs. Each point is compared with its baseline in baselines/ (recorded on
 * the first run; \`npx vitest run -u\` re-records), and the SLO test states the operating point.
 * Without a GPU this runs on servebench's simulator of the GPU named by simGpu.
 */
describe('saturation: Qwen2.5-1.5B on one GPU', () => {
  const server = useServer({
    model: 'Qwen/Qwen2.5-1.5B-Instruct',
    simGpu: 'H100',
    args: ['--max-num-seqs', '32'],
  });
  const profile = (rate: number): ExperimentProfile => ({
    arrival: { kind: 'poisson', rate },
    requests: rate * 6,
    dataset: { name: 'random', input_len: 512, output_len: 64 },
    goodput: { ttft: 500, tpot: 50 },
  });

  it.each([2, 4, 8])('%i req/s offered', async (rate) => {
    const result = await runLoad(server, profile(rate), { x: rate, xLabel: 'offered req/s' });
    await expect(result).toMatchBaseline();
  });

  it('meets the SLO at 4 req/s', async () => {
    const result = await runLoad(server, profile(4));
    expect(result).toMeetSLO({ ttft: { p99: 500 }, tpot: { p99: 50 }, errorRate: 0.01 });
  });
});
`;

export const ciWorkflow = `# servebench regression gate: each pull request runs the suites and compares every point with
# the committed baselines (CI=true: a regression beyond tolerance and noise, or a missing
# baseline, fails the job). Record baselines locally with \`npx vitest run\` (or \`-u\` to
# re-record) and commit baselines/. For real servers use a GPU runner (runs-on: [self-hosted, gpu]).
name: servebench
on:
  pull_request:
  push:
    branches: [main]
jobs:
  bench:
    runs-on: ubuntu-latest
    timeout-minutes: 60
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 24
          cache: npm
      - run: npm ci
      - run: npx vitest run suites
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: servebench-results
          path: results/
`;

export const scaffold = [
  { path: 'vitest.config.ts', text: vitestConfig, what: 'Vitest config with the servebench plugin' },
  {
    path: 'suites/saturation/saturation.test.ts',
    text: exampleSuite,
    what: 'an experiment: load sweep with baselines and an SLO',
  },
  { path: '.github/workflows/servebench.yml', text: ciWorkflow, what: 'CI workflow: the regression gate' },
] as const;

/** Vitest reads any of these; an existing one is never silently replaced. */
export const vitestConfigNames = ['vitest.config', 'vite.config'].flatMap((base) =>
  ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs'].map((ext) => `${base}.${ext}`),
);
