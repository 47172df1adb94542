import { createServer } from 'node:net';
import { Secrets } from '../core/secrets.ts';
import { sweepStraysOnce } from '../runtime/strays.ts';
import { describeExit, type ProcessWatcher, supervise } from '../runtime/supervise.ts';
import { waitForHealth } from './readiness.ts';
import { type RunningServer, type ServerInfo, ServerStartError } from './target.ts';

/** A free TCP port on 127.0.0.1 (the OS picks; closed again before the server binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface ChildServerOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** What is recorded; its serverArgs must already be masked (recordedArgs in the targets). */
  info: ServerInfo;
  startupTimeoutMs: number;
  /** Masked in logs and errors (see core/secrets.ts). */
  secrets?: Secrets;
  /** Kills the server's process group if this process dies without stopping it (the reaper). */
  reaper?: ProcessWatcher;
  /** SIGTERM -> SIGKILL grace when it is stopped (default 10 s). */
  stopGraceMs?: number;
  /** Gives up (and stops the server) when aborted before it is healthy: its lease ended. */
  signal?: AbortSignal;
}

/**
 * Starts a server process (supervised: own process group, masked log tail, reaper and stray
 * registry), waits for /health, and kills the whole group on stop (vLLM forks engine processes).
 * Dies before healthy => error with its last lines.
 */
export async function startChildServer(options: ChildServerOptions): Promise<RunningServer> {
  const secrets = options.secrets ?? Secrets.none;
  await sweepStraysOnce();
  const child = supervise({
    command: options.command,
    args: options.args,
    env: options.env,
    role: `${options.info.target} server`,
    secrets,
    watcher: options.reaper,
    graceMs: options.stopGraceMs,
  });
  const exited = child.exited.then((exit) =>
    exit.error
      ? new Error(describeExit(exit, options.command))
      : new Error(`server exited (${describeExit(exit, options.command)})`),
  );
  const stop = async () => {
    await child.stop();
  };
  const abandoned = new Promise<Error>((resolve) => {
    const why = () => resolve(new Error('its test file ended (GPU lease released) while it was starting'));
    if (options.signal?.aborted) why();
    options.signal?.addEventListener('abort', why, { once: true });
  });
  try {
    await waitForHealth(options.info.url, Promise.race([exited, abandoned]), options.startupTimeoutMs);
  } catch (error) {
    await stop();
    throw new ServerStartError(
      secrets.mask(
        `${options.info.target} server for ${options.info.model} failed to become healthy: ${(error as Error).message}\n` +
          `last log lines:\n${child.output.tail(30).join('\n') || '(none)'}`,
      ),
      'read the log lines above; check the model, the arguments and the GPUs',
    );
  }
  return {
    info: options.info,
    logs: () => child.output.tail(),
    exited: exited.then((e) => (child.stopRequested ? new Error('stopped') : e)),
    stop,
  };
}
