import type { ServerSpec } from '../config/server-spec.ts';
import { freePort, startChildServer } from './child-server.ts';
import type { Reaper } from './reaper.ts';
import { type RunningServer, ServerStartError, type StartContext, type Target } from './target.ts';

export const defaultCommand = [
  'vllm',
  'serve',
  '{model}',
  '--host',
  '127.0.0.1',
  '--port',
  '{port}',
  '{args}',
];

/** Expands {model}, {port} and {args} (spliced in place) in a command template. */
export function expandCommand(
  template: readonly string[],
  values: { model: string; port: number; args: string[] },
): string[] {
  return template.flatMap((part) =>
    part === '{args}'
      ? values.args
      : [part.replaceAll('{model}', values.model).replaceAll('{port}', String(values.port))],
  );
}

/** A server command (e.g. `vllm serve`) on the leased GPUs, for GPU hosts without Docker. */
export class ProcessTarget implements Target {
  readonly kind = 'process';
  private readonly template: readonly string[];
  private readonly reaper: Reaper;
  constructor(template: readonly string[] | undefined, reaper: Reaper) {
    this.template = template ?? defaultCommand;
    this.reaper = reaper;
  }

  async start(spec: ServerSpec, context: StartContext): Promise<RunningServer> {
    if (spec.gpus > context.gpus.length) {
      throw new ServerStartError(
        `the server needs ${spec.gpus} GPUs but this test file's lease has ${context.gpus.length} (${context.gpus.join(', ') || 'none'})`,
        'configure slots of more GPUs each: servebench({ gpus: [["0", "1"], ["2", "3"]] })',
      );
    }
    const gpus = context.gpus.slice(0, spec.gpus);
    const port = await freePort();
    const [command, ...args] = expandCommand(this.template, { model: spec.model, port, args: spec.args });
    const env: NodeJS.ProcessEnv = { ...process.env, ...spec.env, CUDA_VISIBLE_DEVICES: gpus.join(',') };
    if (spec.mpsActiveThreadPercentage)
      env.CUDA_MPS_ACTIVE_THREAD_PERCENTAGE = String(spec.mpsActiveThreadPercentage);
    const names = [...new Set(gpus.map((g) => context.gpuNames.get(g) ?? 'unknown GPU'))].join('+');
    return startChildServer({
      command: command as string,
      args,
      env,
      startupTimeoutMs: spec.startupTimeoutS * 1000,
      reaper: this.reaper,
      secrets: [process.env.HF_TOKEN ?? ''],
      info: {
        url: `http://127.0.0.1:${port}`,
        model: spec.model,
        target: 'process',
        simulated: false,
        hardware: `${names} x${gpus.length}`,
        server: command as string,
        serverArgs: spec.args,
        gpus,
      },
    });
  }
}
