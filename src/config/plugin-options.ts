import { z } from 'zod';
import { ConfigError } from '../core/errors.ts';

/** container target: how the server container is made (see README, "Container target"). */
export const containerOptionsSchema = z.strictObject({
  /** Server image, pinned by tag; a spec's `image` overrides it. Its entrypoint must be the server. */
  image: z.string().min(1).default('vllm/vllm-openai:v0.11.0'),
  /** 'missing' pulls only when the image is not on the daemon; 'never' fails instead (local images). */
  pullPolicy: z.enum(['missing', 'always', 'never']).default('missing'),
  /** GPUs the container asks for: the test file's lease, every GPU, or none (CPU-only images). */
  gpus: z.enum(['lease', 'all', 'none']).default('lease'),
  /** Replaces the image's entrypoint (the server command); the server flags follow it. */
  entrypoint: z.array(z.string()).min(1).optional(),
  /** Model cache on the Docker host, bind-mounted at cacheMount; false: no mount. */
  cacheDir: z.union([z.string().min(1), z.literal(false)]).default('~/.cache/huggingface'),
  cacheMount: z.string().startsWith('/').default('/root/.cache/huggingface'),
  /** IPC namespace; default 'host' (what vLLM asks for), 'private' when shmSize is set. */
  ipc: z.enum(['host', 'private', 'shareable']).optional(),
  /** /dev/shm size with a private IPC namespace, e.g. '16g'. */
  shmSize: z
    .string()
    .regex(/^\d+(\.\d+)?\s*[kmgt]?b?$/i, "expected a size such as '16g' or '512m'")
    .optional(),
  /** Variables passed from this process's environment when set (masked in every log and error). */
  passEnv: z.array(z.string().min(1)).default(['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN']),
  /** Extra labels on every container. */
  labels: z.record(z.string(), z.string()).default({}),
  /** Keep the server running after the run and reuse it when the whole spec matches. */
  reuse: z.boolean().default(false),
  /** A reused container idle this long (no run using it) is removed. */
  idleTtlS: z.number().positive().default(600),
  /** MPS control daemon: image (default: the server image) and command. */
  mpsImage: z.string().min(1).optional(),
  mpsCommand: z.array(z.string()).min(1).default(['nvidia-cuda-mps-control', '-f']),
});

export type ContainerOptions = z.infer<typeof containerOptionsSchema>;

/** An http(s) server root; the message says what was expected, not just "Invalid URL". */
const httpUrl = z
  .string({ error: "expected the server's root URL, e.g. 'http://127.0.0.1:8000'" })
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    error: (issue) =>
      `expected an http:// or https:// URL such as 'http://127.0.0.1:8000', got ${JSON.stringify(issue.input)}${portNote(issue.input)}`,
  });

/** " (port 70000 is out of range 1-65535)" when that is why a URL does not parse. */
function portNote(value: unknown): string {
  const port = typeof value === 'string' ? /^[a-z]+:\/\/[^/:]+:(\d+)/i.exec(value)?.[1] : undefined;
  return port !== undefined && Number(port) > 65535 ? ` (port ${port} is out of range 1-65535)` : '';
}

/** A GPU as nvidia-smi names it: index or UUID; `0` and `'0'` are the same GPU. */
const gpuId = z.union([z.string().min(1), z.int().nonnegative()]).transform(String);

export const targetKinds = ['auto', 'container', 'process', 'sim', 'url'] as const;

/** Options of `servebench()` in vitest.config.ts. */
export const pluginOptionsSchema = z.strictObject({
  /** Where servers come from; `auto` = process target on a GPU host, the simulator otherwise. */
  target: z.enum(targetKinds).default('auto'),
  /** url target: the running server's root (required by target 'url'; SERVEBENCH_URL overrides it). */
  url: httpUrl.optional(),
  /**
   * process target: the command, with {model}, {port} and {args} placeholders.
   * Default: vllm serve {model} --host 127.0.0.1 --port {port} {args}
   */
  command: z.array(z.string()).min(1).optional(),
  /**
   * process target, servers with engine 'llama.cpp': the llama-server binary. Default:
   * $SERVEBENCH_LLAMA_SERVER, else `llama-server` on PATH (scripts/llama-cpp/build.ts builds one).
   */
  llamaServer: z.string().min(1).optional(),
  /**
   * GPUs to lease to test files: 'auto' (nvidia-smi), a list of GPU ids (one per slot), slots
   * of several GPUs each ([[0,1],[2,3]]), or 'none': `simSlots` slots without a GPU, for servers
   * on the CPU (process target, server spec gpus: 0).
   */
  gpus: z
    .union(
      [z.literal('auto'), z.literal('none'), z.array(gpuId).min(1), z.array(z.array(gpuId).min(1)).min(1)],
      {
        error:
          "expected 'auto', 'none', GPU ids (one slot each) like ['0', '1'], or slots of GPU ids like [['0', '1'], ['2', '3']]",
      },
    )
    .default('auto'),
  /** Parallel test files when simulating or with gpus 'none' (each gets a slot). Keep 1 on small machines. */
  simSlots: z.int().positive().default(1),
  container: containerOptionsSchema.prefault({}),
  resultsDir: z.string().default('results'),
  baselinesDir: z.string().default('baselines'),
  /**
   * Relative change tolerated before a baseline metric can regress (>= 0; 0.1 allows 10 %), per
   * gated metric or `default`; the names are checked where the gate is known (baseline/tolerance.ts).
   */
  tolerance: z
    .record(
      z.string(),
      z
        .number({ error: 'expected a relative change >= 0 (0.1 allows 10 %)' })
        .nonnegative({ error: 'expected a relative change >= 0 (0.1 allows 10 %)' }),
    )
    .default({}),
});

export type PluginOptions = z.infer<typeof pluginOptionsSchema>;
export type PluginOptionsInput = z.input<typeof pluginOptionsSchema>;

/**
 * One run's override of the target, e.g. `SERVEBENCH_TARGET=sim npx vitest run`, and the checks
 * that need it: target 'url' needs a URL, from the `url` option or SERVEBENCH_URL.
 */
export function applyEnvOverrides(options: PluginOptions, env: NodeJS.ProcessEnv): PluginOptions {
  const target = env.SERVEBENCH_TARGET;
  if (target !== undefined && !(targetKinds as readonly string[]).includes(target)) {
    throw new ConfigError(
      `SERVEBENCH_TARGET: expected one of ${targetKinds.join(', ')}, got '${target}'`,
      'unset it, or set it to one of those targets',
    );
  }
  const url = env.SERVEBENCH_URL;
  if (url !== undefined) {
    const parsed = httpUrl.safeParse(url);
    if (!parsed.success)
      throw new ConfigError(
        `SERVEBENCH_URL: ${parsed.error.issues[0]?.message}`,
        'unset it, or set it to the running server',
      );
  }
  const merged: PluginOptions = {
    ...options,
    target: (target as PluginOptions['target'] | undefined) ?? options.target,
    url: url ?? options.url,
  };
  if (merged.target === 'url' && merged.url === undefined) {
    throw new ConfigError(
      "invalid servebench() options:\n  url: required by target 'url': expected the running server's root URL, e.g. url: 'http://127.0.0.1:8000'",
      'add url to servebench() in vitest.config.ts, or set SERVEBENCH_URL for one run',
    );
  }
  return merged;
}
