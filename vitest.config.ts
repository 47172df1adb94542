import { defineConfig } from 'vitest/config';
import { servebench } from './src/vitest/plugin.ts';

export default defineConfig({
  // Suites and fixtures import `servebench` as users do; in this repository that resolves to the
  // sources (the `servebench-source` export condition), in a user's project to the built dist/.
  ssr: { resolve: { conditions: ['servebench-source'] } },
  test: {
    projects: [
      {
        // The project's own tests: unit tests beside the code, end-to-end runs in test/e2e.
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['test/e2e/fixture/**', '**/node_modules/**'],
          // Vitest runs the tests spawn (fixture projects, the CLI) resolve `servebench` to the sources too.
          env: { NODE_OPTIONS: '--conditions=servebench-source' },
          testTimeout: 120_000,
          hookTimeout: 60_000,
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
