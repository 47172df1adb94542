import { basename } from 'node:path';
import { request } from 'undici';
import type { ServerSpec } from '../config/server-spec.ts';
import type { EngineInfo } from './target.ts';

/**
 * llama.cpp's `llama-server` as a known engine of the process target. The spec speaks vLLM's
 * language; the few flags with a llama.cpp equivalent are translated, every other argument is
 * llama-server's own and passed as given:
 *
 * | spec                        | llama-server                                                   |
 * |-----------------------------|----------------------------------------------------------------|
 * | model (a GGUF file path)    | --model PATH --alias FILE_NAME (the name requests and keys use) |
 * | --max-num-seqs N            | --parallel N (slots: requests decoded together)                |
 * | --max-model-len L           | --ctx-size L x slots (each slot gets L; slots default to 4)    |
 * | gpus >= 1 / gpus: 0         | --n-gpu-layers all / --n-gpu-layers 0 --device none            |
 * | (always)                    | --host 127.0.0.1 --port P --metrics (for the server evidence)  |
 */
export const LLAMA_CPP_DEFAULT_SLOTS = 4;

/** The vLLM flags this preset translates; any other `--flag` is llama-server's own. */
const translated = ['--max-num-seqs', '--max-model-len'] as const;

/** The value of `--flag V` or `--flag=V` in args, and the args without it. */
function takeFlag(args: readonly string[], flag: string): { value: string | null; rest: string[] } {
  const rest: string[] = [];
  let value: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === flag) {
      const next = args[i + 1];
      if (next === undefined || next.startsWith('--')) throw new Error(`${flag}: expected a value after it`);
      value = next;
      i++;
    } else if (arg.startsWith(`${flag}=`)) {
      value = arg.slice(flag.length + 1);
    } else {
      rest.push(arg);
    }
  }
  return { value, rest };
}

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: expected a positive integer, got '${value}'`);
  return n;
}

/**
 * The model's name as served and recorded: the GGUF file's name, so that baselines keyed by it do
 * not depend on where the file lies on each machine.
 */
export function llamaModelName(model: string): string {
  return basename(model);
}

/** llama-server's arguments for a spec; throws (plain Error, the target wraps it) on a bad value. */
export function llamaServerArgs(spec: Pick<ServerSpec, 'model' | 'args' | 'gpus'>, port: number): string[] {
  let rest = [...spec.args];
  const values: Partial<Record<(typeof translated)[number], string>> = {};
  for (const flag of translated) {
    const taken = takeFlag(rest, flag);
    rest = taken.rest;
    if (taken.value !== null) values[flag] = taken.value;
  }
  const slots =
    values['--max-num-seqs'] === undefined ? null : positiveInt('--max-num-seqs', values['--max-num-seqs']);
  const out = ['--model', spec.model, '--alias', llamaModelName(spec.model)];
  out.push('--host', '127.0.0.1', '--port', String(port), '--metrics');
  if (slots !== null) out.push('--parallel', String(slots));
  if (values['--max-model-len'] !== undefined) {
    const perSlot = positiveInt('--max-model-len', values['--max-model-len']);
    out.push('--ctx-size', String(perSlot * (slots ?? LLAMA_CPP_DEFAULT_SLOTS)));
  }
  out.push(...(spec.gpus > 0 ? ['--n-gpu-layers', 'all'] : ['--n-gpu-layers', '0', '--device', 'none']));
  return [...out, ...rest];
}

/**
 * What llama-server says about itself: GET /props `build_info` ("b<build number>-<commit>"). Null
 * when the server does not answer like llama-server.
 */
export async function llamaCppEngine(url: string): Promise<EngineInfo | null> {
  try {
    const response = await request(`${url}/props`, { headersTimeout: 5000, bodyTimeout: 5000 });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return null;
    }
    const props = (await response.body.json()) as { build_info?: unknown; total_slots?: unknown };
    if (typeof props.build_info !== 'string') return null;
    const m = /^(b\d+)-(.+)$/.exec(props.build_info);
    return {
      name: 'llama.cpp',
      version: m ? (m[1] as string) : props.build_info,
      build: m ? (m[2] as string) : null,
      slots: typeof props.total_slots === 'number' ? props.total_slots : null,
    };
  } catch {
    return null;
  }
}
