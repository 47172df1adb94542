import { defineConfig } from 'vitest/config';
import { servebench } from './src/vitest/plugin.ts';

export default defineConfig({
  test: {
    projects: [
      {
        // The project's own tests: unit tests beside the code, end-to-end runs in test/e2e.
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['test/e2e/fixture/**', '**/node_modules/**'],
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
