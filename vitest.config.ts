import { defineConfig } from 'vitest/config';
import { servebench } from './src/vitest/plugin.ts';

/** Timing-dependent tests: `*.timing.test.ts` beside the code, and the end-to-end runs. */
const timingTests = ['src/**/*.timing.test.ts', 'test/e2e/**/*.test.ts'];

const ownTests = {
  // Vitest runs the tests spawn (fixture projects, the CLI) resolve `servebench` to the sources too.
  env: { NODE_OPTIONS: '--conditions=servebench-source' },
  testTimeout: 120_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  // Suites and fixtures import `servebench` as users do; in this repository that resolves to the
  // sources (the `servebench-source` export condition), in a user's project to the built dist/.
  ssr: { resolve: { conditions: ['servebench-source'] } },
  test: {
    projects: [
      {
        // The project's own deterministic tests: their outcome does not depend on how fast the
        // host runs them (pure functions, real files and processes, no judged durations).
        test: {
          ...ownTests,
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/*.test.ts', 'test/llama-cpp/*.test.ts'],
          exclude: [...timingTests, '**/node_modules/**'],
        },
      },
      {
        // Tests whose assertions judge real time (latencies, rates, lateness of loopback servers
        // and the simulator) and the end-to-end runs: one file at a time, so they do not compete
        // with each other for a small machine's cores. `npm test` runs them after the unit tests.
        test: {
          ...ownTests,
          name: 'timing',
          include: timingTests,
          exclude: ['test/e2e/fixture/**', '**/node_modules/**'],
          fileParallelism: false,
        },
      },
      {
        // The benchmark suites: `npx vitest run suites/saturation`.
        plugins: [servebench({ target: 'auto' })],
        test: { name: 'suites', include: ['suites/**/*.test.ts'] },
      },
    ],
  },
});
