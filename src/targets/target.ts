import type { ServerSpec } from '../config/server-spec.ts';
import { ServebenchError } from '../core/errors.ts';
import { knownSecrets, registerSecrets, Secrets } from '../core/secrets.ts';

/** What a started server tells the experiment and the report. */
export interface ServerInfo {
  url: string;
  model: string;
  target: 'sim' | 'process' | 'container' | 'url';
  simulated: boolean;
  /** Baseline hardware class: "simulated:H100 x1", "NVIDIA H100 80GB HBM3 x2", ... */
  hardware: string;
  /** What is under test: simulator version, command, image@digest. */
  server: string;
  /** The server's arguments as recorded, secrets masked (a secret flag's value is `***`). */
  serverArgs: string[];
  gpus: string[];
  /** The serving engine as it describes itself (llama.cpp: /props), when it does. */
  engine?: EngineInfo;
}

/** A serving engine's own account of itself: name, version and build. */
export interface EngineInfo {
  name: string;
  version: string;
  /** The build (llama.cpp: the commit of its build_info); null when it says none. */
  build: string | null;
  /** Requests it decodes together (llama.cpp: its slots); null when it does not say. */
  slots: number | null;
}

export interface RunningServer {
  info: ServerInfo;
  /** The last lines the server printed (for errors and reports). */
  logs(): string[];
  /** Resolves with an error when the server dies before stop() was called. */
  exited: Promise<Error>;
  stop(): Promise<void>;
}

export interface StartContext {
  /** GPUs leased to the test file that asked (ids as CUDA_VISIBLE_DEVICES wants them). */
  gpus: string[];
  /** GPU names by id, for the hardware class. */
  gpuNames: Map<string, string>;
  /** Aborted when the lease ends while the server is still starting: the start gives up and stops it. */
  signal?: AbortSignal;
}

/** One way of getting a server: sim, process, container, url. */
export interface Target {
  readonly kind: ServerInfo['target'];
  start(spec: ServerSpec, context: StartContext): Promise<RunningServer>;
}

export class ServerStartError extends ServebenchError {
  declare readonly hint: string;
  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    super('SB_SERVER_START', message, hint, options);
  }
}

/**
 * A server's secrets: its spec's secret-named variables and secret flag values (and `extra`, such
 * as a command template's), with this process's own. Registered, so that results, baselines and
 * summaries written by this process mask them as well as its logs and errors.
 */
export function serverSecrets(
  spec: Pick<ServerSpec, 'env' | 'args'>,
  extra: readonly string[] = [],
): Secrets {
  const own = Secrets.of({ env: spec.env, args: [...spec.args, ...extra] });
  registerSecrets(own);
  return knownSecrets().with(own);
}
