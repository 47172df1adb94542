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

export const exampleSuite = `import { runCapacity, useServer } from 'servebench';
import { describe, expect, it } from 'vitest';

/**
 * Saturation: how much load does one GPU hold? The capacity search finds the largest Poisson
 * request rate at which 95 % of requests get their first token within 200 ms (queue wait
 * included) and stream at 50 ms per token or better. The first run searches and records the
 * answer in baselines/; later runs confirm the recorded answer with a probe or two instead of
 * searching again (\`npx vitest run -u\` searches and re-records). Without a GPU this runs on
 * servebench's simulator of the GPU named by simGpu, in about a minute.
 */
describe('saturation: Qwen2.5-1.5B on one GPU', () => {
  const server = useServer({
    model: 'Qwen/Qwen2.5-1.5B-Instruct',
    simGpu: 'H100',
    args: ['--max-num-seqs', '8'],
  });

  it('max request rate under the SLO', async () => {
    const capacity = await runCapacity(server, {
      profile: { dataset: { name: 'random', input_len: 512, output_len: 64 }, ignoreEos: true },
      slo: { goodput: { ttft: 200, tpot: 50 }, attainment: 0.95 },
      search: { variable: 'request-rate', precision: 0.1, maxProbes: 8, maxRequests: 300 },
    });
    await expect(capacity).toMatchBaseline();
  });
});
`;

export const ciWorkflow = `# servebench regression gate: each pull request runs the suites and checks every experiment
# against the committed baselines (a capacity experiment confirms its recorded answer; CI=true:
# a regression beyond tolerance and noise, or a missing baseline, fails the job). Record
# baselines locally with \`npx vitest run\` (or \`-u\` to re-record) and commit baselines/.
# For real servers use a GPU runner (runs-on: [self-hosted, gpu]).
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
    what: 'an experiment: the max request rate under an SLO, with its baseline',
  },
  { path: '.github/workflows/servebench.yml', text: ciWorkflow, what: 'CI workflow: the regression gate' },
] as const;

/** Vitest reads any of these; an existing one is never silently replaced. */
export const vitestConfigNames = ['vitest.config', 'vite.config'].flatMap((base) =>
  ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs'].map((ext) => `${base}.${ext}`),
);
