import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { LogTail } from './log-tail.ts';
import { waitForHealth } from './readiness.ts';
import type { Reaper } from './reaper.ts';
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
  info: ServerInfo;
  startupTimeoutMs: number;
  /** Values masked in logs and errors (tokens). */
  secrets?: string[];
  /** Kills the server's process group if this process dies without stopping it. */
  reaper?: Reaper;
}

/**
 * Spawns a server process in its own process group, waits for /health, and kills the whole
 * group on stop (vLLM forks engine processes). Dies before healthy => error with its last lines.
 */
export async function startChildServer(options: ChildServerOptions): Promise<RunningServer> {
  const logs = new LogTail(200, options.secrets);
  const child: ChildProcess = spawn(options.command, options.args, {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid) options.reaper?.watch(child.pid);
  logs.follow(child.stdout);
  logs.follow(child.stderr);
  let stopping = false;
  const exited = new Promise<Error>((resolve) => {
    child.once('error', (error) =>
      resolve(new Error(`could not start '${options.command}': ${error.message}`)),
    );
    child.once('exit', (code, signal) => {
      if (child.pid) options.reaper?.forget(child.pid);
      resolve(new Error(`server exited (${signal ?? `code ${code}`})`));
    });
  });
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForHealth(options.info.url, exited, options.startupTimeoutMs);
  } catch (error) {
    await stop();
    throw new ServerStartError(
      `${options.info.target} server for ${options.info.model} failed to become healthy: ${(error as Error).message}\n` +
        `last log lines:\n${logs.tail(30).join('\n') || '(none)'}`,
      'read the log lines above; check the model, the arguments and the GPUs',
    );
  }
  return {
    info: options.info,
    logs: () => logs.tail(),
    exited: exited.then((e) => (stopping ? new Error('stopped') : e)),
    stop,
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}
