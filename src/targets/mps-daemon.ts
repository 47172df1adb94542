import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { knownSecrets } from '../core/secrets.ts';
import { sweepStraysOnce } from '../runtime/strays.ts';
import {
  describeExit,
  type ProcessWatcher,
  type SupervisedProcess,
  supervise,
} from '../runtime/supervise.ts';
import { ServerStartError } from './target.ts';

export interface MpsDaemonOptions {
  /** GPUs the daemon serves (CUDA_VISIBLE_DEVICES of the daemon and of its MPS server). */
  gpus: readonly string[];
  /** Default: $SERVEBENCH_MPS_CONTROL or `nvidia-cuda-mps-control` on PATH. */
  command?: string;
  /** Kills the daemon's process group if this process dies without stopping it. */
  reaper?: ProcessWatcher;
  startTimeoutMs?: number;
  /** Where the daemon's temporary directory goes (default: the OS temp directory). */
  parentDir?: string;
}

const POLL_MS = 100;
/** How long `quit` may take before the daemon is killed. */
const QUIT_TIMEOUT_MS = 10_000;

/**
 * An MPS control daemon of our own, for servers started by the process target: its pipe and log
 * directories are fresh temporary directories, so it never meets a daemon somebody else runs. It
 * runs in the foreground (`nvidia-cuda-mps-control -f`) in its own process group, so that the
 * reaper can kill it (and the MPS server it starts) if this process dies; it is ready when its
 * `control` pipe exists. stop() asks it to `quit` through the pipe like
 * `echo quit | nvidia-cuda-mps-control`, waits, kills what is left and removes the directories.
 */
export class MpsDaemon {
  readonly dir: string;
  readonly command: string;
  private readonly child: SupervisedProcess;
  /** Resolves once the daemon ended and said so in its output. */
  private readonly ended: Promise<void>;
  private stopping: Promise<void> | null = null;

  private constructor(dir: string, options: MpsDaemonOptions) {
    this.dir = dir;
    this.command = options.command ?? process.env.SERVEBENCH_MPS_CONTROL ?? 'nvidia-cuda-mps-control';
    this.child = supervise({
      command: this.command,
      args: ['-f'],
      env: { ...process.env, ...this.clientEnv, CUDA_VISIBLE_DEVICES: options.gpus.join(',') },
      role: 'MPS control daemon',
      secrets: knownSecrets(),
      tailLines: 50,
      graceMs: QUIT_TIMEOUT_MS,
      watcher: options.reaper,
    });
    this.ended = this.child.exited.then((exit) => {
      const said =
        exit.error?.code === 'ENOENT'
          ? `${this.command} not found (MPS needs the NVIDIA driver's MPS tools on PATH)`
          : exit.error
            ? describeExit(exit, this.command)
            : `${this.command} -f exited (${describeExit(exit, this.command)})`;
      this.child.output.push(`${said}\n`);
    });
  }

  /** Starts a daemon and waits until it accepts clients. */
  static async start(options: MpsDaemonOptions): Promise<MpsDaemon> {
    await sweepStraysOnce();
    const dir = await mkdtemp(join(options.parentDir ?? tmpdir(), 'servebench-mps-'));
    await mkdir(join(dir, 'pipe'));
    await mkdir(join(dir, 'log'));
    const daemon = new MpsDaemon(dir, options);
    try {
      await daemon.waitReady(options.startTimeoutMs ?? 30_000);
    } catch (error) {
      if (!daemon.child.running) await daemon.ended;
      const lines = await daemon.logs();
      await daemon.stop();
      throw new ServerStartError(
        `the MPS control daemon did not start: ${(error as Error).message}\n` +
          `last lines:\n${lines.join('\n') || '(none)'}`,
        'MPS needs nvidia-cuda-mps-control and a GPU in Default or Exclusive-process compute mode; ' +
          'or set mps: false and manage the daemon yourself',
      );
    }
    return daemon;
  }

  get pipeDir(): string {
    return join(this.dir, 'pipe');
  }

  get logDir(): string {
    return join(this.dir, 'log');
  }

  /** What an MPS client (the server) needs to find this daemon. */
  get clientEnv(): Record<string, string> {
    return { CUDA_MPS_PIPE_DIRECTORY: this.pipeDir, CUDA_MPS_LOG_DIRECTORY: this.logDir };
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const control = join(this.pipeDir, 'control');
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (existsSync(control)) return;
      if (!this.child.running) throw new Error(`${this.command} exited before its control pipe appeared`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw new Error(`${control} did not appear in ${(timeoutMs / 1000).toFixed(0)} s`);
  }

  /** The daemon's own output and the tail of its control.log. */
  async logs(): Promise<string[]> {
    const log = await readFile(join(this.logDir, 'control.log'), 'utf8').catch(() => '');
    return [...this.child.output.tail(20), ...log.trimEnd().split('\n').filter(Boolean).slice(-20)];
  }

  /** Quits the daemon (its MPS server goes with it), then removes its directories. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.quit();
    return this.stopping;
  }

  /**
   * `echo quit | nvidia-cuda-mps-control`, then what is left of its process group is killed once
   * the quit had its time (the supervisor's stop without a first signal); a client that cannot
   * even run sends SIGTERM first.
   */
  private async quit(): Promise<void> {
    if (this.child.running) {
      const asked = await this.send('quit');
      await this.child.stop({ signal: asked ? null : 'SIGTERM', graceMs: QUIT_TIMEOUT_MS });
    } else {
      await this.child.stop({ graceMs: 1000 });
    }
    await rm(this.dir, { recursive: true, force: true }).catch(() => {});
  }

  /** `echo COMMAND | nvidia-cuda-mps-control` against this daemon's pipe directory; false if it could not run. */
  private send(command: string): Promise<boolean> {
    return new Promise((resolve) => {
      const client = spawn(this.command, [], {
        env: { ...process.env, ...this.clientEnv },
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      const timer = setTimeout(() => client.kill('SIGKILL'), QUIT_TIMEOUT_MS);
      client.once('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
      client.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
      client.stdin?.on('error', () => {});
      client.stdin?.end(`${command}\n`);
    });
  }
}
