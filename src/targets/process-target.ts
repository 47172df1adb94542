import { cpus } from 'node:os';
import { request } from 'undici';
import type { ServerSpec } from '../config/server-spec.ts';
import { freePort, startChildServer } from './child-server.ts';
import { llamaCppEngine, llamaModelName, llamaServerArgs } from './llama-cpp.ts';
import { MpsDaemon } from './mps-daemon.ts';
import type { Reaper } from './reaper.ts';
import {
  type RunningServer,
  ServerStartError,
  type StartContext,
  serverSecrets,
  type Target,
} from './target.ts';

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

export interface ProcessTargetOptions {
  /** The MPS control command; default $SERVEBENCH_MPS_CONTROL or `nvidia-cuda-mps-control`. */
  mpsControl?: string;
  /** Where MPS daemons' temporary pipe and log directories go (default: the OS temp directory). */
  mpsParentDir?: string;
  /** llama-server for engine 'llama.cpp'; default $SERVEBENCH_LLAMA_SERVER, else `llama-server` on PATH. */
  llamaServer?: string;
}

/** The hardware class of a server on the CPU: the CPU model and this machine's logical cores. */
export function cpuHardware(): string {
  const all = cpus();
  return `cpu:${all[0]?.model.trim().replace(/\s+/g, ' ') ?? 'unknown CPU'} x${all.length}`;
}

interface SharedDaemon {
  daemon: Promise<MpsDaemon>;
  users: number;
}

/**
 * Whether this server gets an MPS control daemon of ours: `mps` says so, and by default a thread
 * percentage asks for one; a spec that names its own CUDA_MPS_PIPE_DIRECTORY uses that daemon.
 */
export function wantsMpsDaemon(spec: ServerSpec): boolean {
  if (spec.env.CUDA_MPS_PIPE_DIRECTORY !== undefined) return false;
  return spec.mps ?? spec.mpsActiveThreadPercentage !== undefined;
}

/**
 * What /version says about the server, when it is servebench's GPU stand-in
 * (fixtures/gpu-server): its results are labelled so and keyed apart from vLLM's.
 */
async function standInVersion(url: string): Promise<string | null> {
  try {
    const response = await request(`${url}/version`, { headersTimeout: 3000, bodyTimeout: 3000 });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return null;
    }
    const body = (await response.body.json()) as { standin?: unknown; version?: unknown };
    return body.standin === true ? String(body.version) : null;
  } catch {
    return null;
  }
}

/**
 * A server command (e.g. `vllm serve`) on the leased GPUs, for GPU hosts without Docker. With
 * MPS, the servers on the same GPUs share one MPS control daemon of ours (each with its own
 * CUDA_MPS_ACTIVE_THREAD_PERCENTAGE), which quits when the last of them stops or dies.
 */
export class ProcessTarget implements Target {
  readonly kind = 'process';
  private readonly template: readonly string[];
  private readonly reaper: Reaper;
  private readonly options: ProcessTargetOptions;
  private readonly daemons = new Map<string, SharedDaemon>();
  private readonly llamaServer: string;

  constructor(template: readonly string[] | undefined, reaper: Reaper, options: ProcessTargetOptions = {}) {
    this.template = template ?? defaultCommand;
    this.reaper = reaper;
    this.options = options;
    this.llamaServer = options.llamaServer ?? process.env.SERVEBENCH_LLAMA_SERVER ?? 'llama-server';
  }

  async start(spec: ServerSpec, context: StartContext): Promise<RunningServer> {
    if (spec.gpus > context.gpus.length) {
      if (context.gpus.length === 0) {
        throw new ServerStartError(
          `the server needs ${spec.gpus} GPU(s) but this test file's lease has none (the plugin's gpus: 'none')`,
          "give the server spec gpus: 0 to run it on the CPU (engine 'llama.cpp'), or lease GPUs: servebench({ gpus: 'auto' })",
        );
      }
      throw new ServerStartError(
        `the server needs ${spec.gpus} GPUs but this test file's lease has ${context.gpus.length} (${context.gpus.join(', ') || 'none'})`,
        'configure slots of more GPUs each: servebench({ gpus: [["0", "1"], ["2", "3"]] })',
      );
    }
    const gpus = context.gpus.slice(0, spec.gpus);
    const port = await freePort();
    const [command, ...args] = this.command(spec, port);
    const env: NodeJS.ProcessEnv = { ...process.env, ...spec.env, CUDA_VISIBLE_DEVICES: gpus.join(',') };
    if (spec.mpsActiveThreadPercentage)
      env.CUDA_MPS_ACTIVE_THREAD_PERCENTAGE = String(spec.mpsActiveThreadPercentage);
    if (spec.mpsPinnedDeviceMemLimit) env.CUDA_MPS_PINNED_DEVICE_MEM_LIMIT = spec.mpsPinnedDeviceMemLimit;
    let release: () => Promise<void> = async () => {};
    if (wantsMpsDaemon(spec)) {
      const daemon = await this.acquireDaemon(gpus);
      Object.assign(env, daemon.clientEnv);
      let released: Promise<void> | null = null;
      release = () => {
        released ??= this.releaseDaemon(gpus);
        return released;
      };
    }
    const names = [...new Set(gpus.map((g) => context.gpuNames.get(g) ?? 'unknown GPU'))].join('+');
    const device = gpus.length === 0 ? cpuHardware() : `${names} x${gpus.length}`;
    const llamaCpp = spec.engine === 'llama.cpp';
    const url = `http://127.0.0.1:${port}`;
    // The spec's, this process's, and those in the command template itself (`--api-key sk-...`).
    const secrets = serverSecrets(spec, this.template);
    let server: RunningServer;
    try {
      server = await startChildServer({
        command: command as string,
        args,
        env,
        startupTimeoutMs: spec.startupTimeoutS * 1000,
        reaper: this.reaper,
        signal: context.signal,
        secrets,
        info: {
          url,
          model: llamaCpp ? llamaModelName(spec.model) : spec.model,
          target: 'process',
          simulated: false,
          // llama.cpp's results never share a baseline key with vLLM's or the simulator's.
          hardware: llamaCpp ? `llama.cpp:${device}` : device,
          server: command as string,
          // llama-server's arguments as run (the spec's translated); vLLM's as the spec gave them.
          serverArgs: secrets.maskArgs(llamaCpp ? args : spec.args),
          gpus,
        },
      });
    } catch (error) {
      await release();
      throw error;
    }
    if (llamaCpp) {
      const engine = await llamaCppEngine(url);
      if (engine) {
        server.info.engine = engine;
        server.info.server = `llama.cpp ${engine.version}${engine.build ? ` (${engine.build})` : ''}`;
      }
    }
    const standIn = llamaCpp ? null : await standInVersion(url);
    if (standIn) {
      server.info.hardware = `standin:${server.info.hardware}`;
      server.info.server = `${standIn} (servebench GPU stand-in, not vLLM)`;
    }
    // A server that dies lets go of the daemon too; one that is stopped waits for it to quit.
    void server.exited.then(release);
    return {
      ...server,
      stop: async () => {
        await server.stop();
        await release();
      },
    };
  }

  /** The command line: the target's template (vLLM's by default), or llama-server's. */
  private command(spec: ServerSpec, port: number): string[] {
    if (spec.engine !== 'llama.cpp')
      return expandCommand(this.template, { model: spec.model, port, args: spec.args });
    try {
      return [this.llamaServer, ...llamaServerArgs(spec, port)];
    } catch (error) {
      throw new ServerStartError(
        `engine 'llama.cpp': ${(error as Error).message}`,
        'fix the server spec args (see targets/llama-cpp.ts for the translated flags)',
      );
    }
  }

  private async acquireDaemon(gpus: readonly string[]): Promise<MpsDaemon> {
    const key = gpus.join(',');
    let shared = this.daemons.get(key);
    if (!shared) {
      const daemon = MpsDaemon.start({
        gpus,
        reaper: this.reaper,
        ...(this.options.mpsControl ? { command: this.options.mpsControl } : {}),
        ...(this.options.mpsParentDir ? { parentDir: this.options.mpsParentDir } : {}),
      });
      shared = { daemon, users: 0 };
      this.daemons.set(key, shared);
      daemon.catch(() => this.daemons.delete(key));
    }
    shared.users++;
    return shared.daemon;
  }

  private async releaseDaemon(gpus: readonly string[]): Promise<void> {
    const key = gpus.join(',');
    const shared = this.daemons.get(key);
    if (!shared) return;
    shared.users--;
    if (shared.users > 0) return;
    this.daemons.delete(key);
    const daemon = await shared.daemon.catch(() => null);
    await daemon?.stop();
  }
}
