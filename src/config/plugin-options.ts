import { z } from 'zod';

export const targetKinds = ['auto', 'container', 'process', 'sim', 'url'] as const;

/** Options of `servebench()` in vitest.config.ts. */
export const pluginOptionsSchema = z.strictObject({
  /** Where servers come from; `auto` = process target on a GPU host, the simulator otherwise. */
  target: z.enum(targetKinds).default('auto'),
  /** url target: the running server's root. */
  url: z.url().optional(),
  /**
   * process target: the command, with {model}, {port} and {args} placeholders.
   * Default: vllm serve {model} --host 127.0.0.1 --port {port} {args}
   */
  command: z.array(z.string()).min(1).optional(),
  /**
   * GPUs to lease to test files: 'auto' (nvidia-smi), a list of GPU ids (one per slot), or
   * slots of several GPUs each ([[0,1],[2,3]]).
   */
  gpus: z
    .union([z.literal('auto'), z.array(z.string()).min(1), z.array(z.array(z.string()).min(1)).min(1)])
    .default('auto'),
  /** Parallel test files when simulating (each gets a virtual slot). Keep 1 on small machines. */
  simSlots: z.int().positive().default(1),
  resultsDir: z.string().default('results'),
  baselinesDir: z.string().default('baselines'),
  /** Relative change tolerated before a baseline metric can regress; per metric or default. */
  tolerance: z.record(z.string(), z.number().positive()).default({}),
});

export type PluginOptions = z.infer<typeof pluginOptionsSchema>;
export type PluginOptionsInput = z.input<typeof pluginOptionsSchema>;

/** One run's override of the target, e.g. `SERVEBENCH_TARGET=sim npx vitest run`. */
export function applyEnvOverrides(options: PluginOptions, env: NodeJS.ProcessEnv): PluginOptions {
  const target = env.SERVEBENCH_TARGET;
  if (target !== undefined && !(targetKinds as readonly string[]).includes(target)) {
    throw new Error(`SERVEBENCH_TARGET must be one of ${targetKinds.join(', ')}, got '${target}'`);
  }
  return {
    ...options,
    target: (target as PluginOptions['target'] | undefined) ?? options.target,
    url: env.SERVEBENCH_URL ?? options.url,
  };
}
