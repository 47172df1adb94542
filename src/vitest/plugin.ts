import type { Plugin } from 'vitest/config';
import { z } from 'zod';
import { toleranceSchema } from '../baseline/tolerance.ts';
import { parseConfig } from '../config/parse.ts';
import { type PluginOptionsInput, pluginOptionsSchema } from '../config/plugin-options.ts';
import { inlineHint } from '../core/errors.ts';
import { leasedPool } from '../pool/leased-pool.ts';
import { modulePath } from '../runtime/module-path.ts';
import { checkOutputDirs } from './output-dirs.ts';
import { reportMode } from './report-mode.ts';
import { ServebenchReporter } from './reporter.ts';
import { outputDirs, RunContext } from './run-context.ts';
import { updateModeOf } from './update-mode.ts';

/** Model loads and long sweeps: Vitest's 5 s defaults would cut every experiment short. */
const EXPERIMENT_TIMEOUT_MS = 60 * 60 * 1000;
const setupFile = modulePath(import.meta.url, './setup');

/**
 * The servebench Vitest plugin: `plugins: [servebench({ target: 'auto' })]`. Sets the GPU-lease
 * pool (maxWorkers = slots), long timeouts, the matchers and the reporter, and owns the servers.
 */
export function servebench(input: PluginOptionsInput = {}): Plugin {
  const options = parseConfig(pluginOptionsSchema, input, 'servebench() options');
  parseConfig(
    z.object({ tolerance: toleranceSchema }),
    { tolerance: options.tolerance },
    'servebench() options',
  );
  let context: RunContext | null = null;
  let contextError: unknown = null;
  let root = process.cwd();
  return {
    name: 'servebench',
    async config(config) {
      root = config.root ?? root;
      // `--merge-reports` replays the shards' blob reports: no test runs, so no GPUs, servers or pool.
      // (CLI options reach a root-level plugin's config hook inside `test`.)
      if ((config.test as { mergeReports?: string } | undefined)?.mergeReports) return;
      // A plugin inside `projects` can't see --merge-reports yet: a merge on a machine without the
      // shards' GPUs must not fail here, so the error waits for configureVitest.
      context = await RunContext.create(options, root).catch((error: unknown) => {
        contextError = error;
        return null;
      });
      const ctx = context;
      if (!ctx) return;
      const slots = ctx.leases.slots.length;
      return {
        test: {
          pool: leasedPool(ctx.leases, { leaseEnv: (lease) => ctx.workerEnv(lease.id, lease.gpus) }),
          maxWorkers: slots,
          fileParallelism: slots > 1,
          isolate: true,
          testTimeout: EXPERIMENT_TIMEOUT_MS,
          hookTimeout: EXPERIMENT_TIMEOUT_MS,
          setupFiles: [setupFile],
        },
      };
    },
    async configureVitest({ vitest }) {
      // Vitest prints a start-up error's message and stack only: the hint goes into the message.
      try {
        const mode = reportMode(vitest.config);
        if (mode !== 'merge' && contextError) throw contextError;
        const ctx = mode === 'merge' ? null : context;
        const updateMode = updateModeOf(vitest.config);
        if (ctx) ctx.updateMode = updateMode;
        if (context) vitest.onClose(() => context?.close());
        // Before any test runs: a results or baselines directory that cannot be written fails now,
        // not after the run, when the report would be lost.
        await checkOutputDirs(outputDirs(options, root), mode, updateMode);
        // Reporters are a root-level setting (a project's own are ignored), and configureVitest runs
        // before Vitest builds them from the root config: add ours there.
        const reporters = vitest.config.reporters as unknown[];
        if (!reporters.some((r) => r instanceof ServebenchReporter))
          reporters.push(new ServebenchReporter({ mode, context: ctx, ...outputDirs(options, root) }));
      } catch (error) {
        throw inlineHint(error);
      }
    },
  };
}
