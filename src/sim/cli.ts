import { parseArgs } from 'node:util';
import { z } from 'zod';
import { resolveConfig, type SimConfig, SimConfigError, simOptionsSchema } from './config.ts';

/** camelCase option key -> the flag people type (vLLM's name where vLLM has the flag). */
function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/429/, '-429')}`;
}

function keyOf(flag: string): string {
  return flag.replace(/-429/, '429').replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

const optionKeys = Object.keys(simOptionsSchema.shape);

/** The `--help` text, naming the command the user typed (`servebench sim`, `node src/sim/main.ts`). */
export const simUsage = (
  command: string,
): string => `Usage: ${command} [options]   (servebench's simulated vLLM server)

  --host H                          listen address (default 127.0.0.1)
  --port P                          port, 0 for any free one (default 8000)
  --model M                         ${'Qwen/Qwen2.5-{0.5B,1.5B,7B}-Instruct, meta-llama/Llama-3.1-{8B,70B}-Instruct'}
  --served-model-name NAME          name in the API (default: --model)
  --gpu G                           H100, H200, A100, L4, RTX-4090 (default H100)
  --tensor-parallel-size N          GPUs per engine (default 1)
  --data-parallel-size N            engines behind one front end (default 1)
  --max-num-seqs N                  running sequences per engine (vLLM default by GPU)
  --max-num-batched-tokens N        token budget per step (vLLM default by GPU)
  --max-model-len N                 context length (default: the model's)
  --gpu-memory-utilization F        share of GPU memory vLLM may use (default 0.9)
  --mps-active-thread-percentage P  CUDA MPS SM share, 1..100 (default 100)
  --seed S                          text, lengths and fault draws (default 0)
Fault injection:
  --fault-crash-after N             exit (code 70) when generation request N+1 arrives
  --fault-stall-rate F              share of streams that pause (--fault-stall-ms, default 5000)
  --fault-stall-after-tokens K      ... after K tokens (default 1)
  --fault-slow-start-ms MS          start listening only after MS
  --fault-error-rate F              share answered --fault-error-status (default 500)
  --fault-429-rate F                share answered 429
  --fault-malformed-sse-rate F      share of streams with one broken SSE event
  --fault-drop-rate F               share of streams cut after --fault-drop-after-tokens (default 1)
  --fault-slowdown F                every engine step takes F times as long, F >= 1 (default 1)
`;

export const usage = simUsage('node src/sim/main.ts');

/** Parses argv into a validated configuration; SimConfigError names the offending flag. */
export function parseCli(argv: readonly string[]): SimConfig | 'help' {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const key of optionKeys) options[flagOf(key).slice(2)] = { type: 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new SimConfigError((e as Error).message, 'run with --help to list the flags');
  }
  if (values.help) return 'help';
  const raw: Record<string, unknown> = {};
  for (const [flag, value] of Object.entries(values)) if (flag !== 'help') raw[keyOf(flag)] = value;
  try {
    return resolveConfig(raw);
  } catch (e) {
    if (e instanceof z.ZodError) {
      const lines = e.issues.map((issue) => {
        const key = String(issue.path[0] ?? '');
        const given = key in raw ? ` (got '${String(raw[key])}')` : '';
        return `${flagOf(key)}: ${issue.message}${given}`;
      });
      throw new SimConfigError(lines.join('; '), 'run with --help to list the flags and their ranges');
    }
    throw e;
  }
}
