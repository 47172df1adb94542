import { type ChildProcess, spawn } from 'node:child_process';
import { Secrets } from '../core/secrets.ts';
import { LogTail } from './log-tail.ts';
import { groupAlive, recordChild } from './strays.ts';

/**
 * The one way servebench runs a child process that must not outlive it: servers of the sim and
 * process targets, MPS control daemons, the nvidia-smi sampler, simulators started by tests.
 * - spawn in its own process group (vLLM forks engine processes: stop and the sweeps kill the
 *   whole group);
 * - a tail of its output with secrets masked, and its raw output for callers that parse it;
 * - `exited` once it ends (or could not start);
 * - stop(): SIGTERM to the group, SIGKILL after a grace period, until the whole group is gone;
 * - registration: with the run's reaper (kills the group if this process dies however it dies),
 *   in the stray registry (the next start kills it if this process and its reaper both died), and
 *   with this process's exit (a child nobody stopped is killed when this process exits).
 */

/** Kills registered process groups when this process dies (the Vitest run's reaper). */
export interface ProcessWatcher {
  watch(pid: number): void;
  forget(pid: number): void;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (ENOENT, EACCES). */
  error?: NodeJS.ErrnoException;
}

export interface SuperviseOptions {
  command: string;
  args?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** What it is, for messages and the stray registry: 'sim server', 'MPS control daemon', ... */
  role: string;
  /** Masked in the output tail and in the registry's copy of the command line. */
  secrets?: Secrets;
  /** Lines of output kept (default 200). */
  tailLines?: number;
  /** Whether stdout goes into the tail too (default true; stderr always does). */
  tailStdout?: boolean;
  /** Raw output as it comes, for callers that parse it (a listening line, CSV samples). */
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
  /** SIGTERM -> SIGKILL grace of stop() (default 10 s). */
  graceMs?: number;
  watcher?: ProcessWatcher;
}

export interface StopOptions {
  /** Default: the process's graceMs. */
  graceMs?: number;
  /** The first signal; null when the caller already asked it to quit its own way. Default SIGTERM. */
  signal?: NodeJS.Signals | null;
}

const POLL_MS = 50;
const live = new Set<SupervisedProcess>();
let exitHookInstalled = false;

/** A child nobody stopped dies with this process (SIGKILL to its group: there is no time for more). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.killOnExit();
  });
}

export class SupervisedProcess {
  readonly role: string;
  readonly command: string;
  readonly pid: number | undefined;
  /** Resolves once the process ended or failed to start; never rejects. */
  readonly exited: Promise<ChildExit>;
  /** The last lines of its output, secrets masked. */
  readonly output: LogTail;
  private readonly child: ChildProcess;
  private readonly graceMs: number;
  private readonly watcher: ProcessWatcher | undefined;
  private forgetEntry: () => void = () => {};
  private exit: ChildExit | null = null;
  private stopping: Promise<ChildExit> | null = null;

  constructor(options: SuperviseOptions) {
    const secrets = options.secrets ?? Secrets.none;
    const args = options.args ?? [];
    this.role = options.role;
    this.command = options.command;
    this.graceMs = options.graceMs ?? 10_000;
    this.watcher = options.watcher;
    this.output = new LogTail(options.tailLines ?? 200, secrets);
    this.child = spawn(options.command, [...args], {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.pid = this.child.pid;
    for (const stream of ['stdout', 'stderr'] as const) {
      const readable = this.child[stream];
      readable?.setEncoding('utf8');
      readable?.on('data', (text: string) => {
        if (stream === 'stderr' || options.tailStdout !== false) this.output.push(text);
        options.onOutput?.(text, stream);
      });
    }
    if (this.pid !== undefined) {
      const pid = this.pid;
      live.add(this);
      installExitHook();
      this.watcher?.watch(pid);
      this.forgetEntry = recordChild({
        pid,
        group: true,
        role: this.role,
        command: secrets.maskArgs([options.command, ...args]).join(' '),
      });
    }
    const closed = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.exited = new Promise((resolve) => {
      this.child.on('error', (error: NodeJS.ErrnoException) => {
        // Only spawn failures matter here: a kill() that failed is not an exit.
        if (this.pid !== undefined || this.exit) return;
        this.exit = { code: null, signal: null, error };
        resolve(this.exit);
      });
      this.child.once('exit', (code, signal) => {
        if (this.exit) return;
        const exit: ChildExit = { code, signal };
        this.exit = exit;
        // The group may outlive its leader (engine processes): it stays registered until stop().
        if (this.pid === undefined || !groupAlive(this.pid)) this.release();
        // Its last words may still be in the pipes; a grandchild holding them open must not hold us.
        void Promise.race([closed, sleep(200)]).then(() => resolve(exit));
      });
    });
  }

  /** Whether the process (its group leader) is still running. */
  get running(): boolean {
    return this.exit === null && this.pid !== undefined;
  }

  /** Whether stop() was called. */
  get stopRequested(): boolean {
    return this.stopping !== null;
  }

  /** Sends a signal to the whole process group (the process alone if that fails). */
  kill(signal: NodeJS.Signals): void {
    if (this.pid === undefined) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      try {
        this.child.kill(signal);
      } catch {}
    }
  }

  /** This process is exiting without having stopped it: SIGKILL to its group, and its entry goes. */
  killOnExit(): void {
    this.kill('SIGKILL');
    this.release();
  }

  /**
   * Stops it: the first signal to the group, SIGKILL after the grace period, and resolves once
   * the leader has exited and no process of the group is left. Idempotent.
   */
  stop(options: StopOptions = {}): Promise<ChildExit> {
    const first = options.signal === undefined ? 'SIGTERM' : options.signal;
    this.stopping ??= this.terminate(options.graceMs ?? this.graceMs, first);
    return this.stopping;
  }

  private async terminate(graceMs: number, first: NodeJS.Signals | null): Promise<ChildExit> {
    if (this.pid === undefined) return this.exited;
    const pid = this.pid;
    const done = () => this.exit !== null && !groupAlive(pid);
    if (!done() && first) this.kill(first);
    const deadline = performance.now() + graceMs;
    while (!done() && performance.now() < deadline) await sleep(POLL_MS);
    if (!done()) {
      this.kill('SIGKILL');
      const hard = performance.now() + 5000;
      while (!done() && performance.now() < hard) await sleep(POLL_MS);
    }
    const exit = await this.exited;
    this.release();
    return exit;
  }

  private release(): void {
    if (!live.delete(this)) return;
    if (this.pid !== undefined) this.watcher?.forget(this.pid);
    this.forgetEntry();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a supervised child process. */
export function supervise(options: SuperviseOptions): SupervisedProcess {
  return new SupervisedProcess(options);
}

/** `code 3`, `SIGKILL`, or why it could not start. */
export function describeExit(exit: ChildExit, command: string): string {
  if (exit.error) return `could not start '${command}': ${exit.error.message}`;
  return exit.signal ?? `code ${exit.code}`;
}

/**
 * Promise.all for things that must be stopped (servers, simulators): when any start fails, the
 * ones that did start are stopped before the first error is thrown, so a failed start-up of
 * several never leaves some of them running.
 */
export async function startAll<T extends { stop(): Promise<unknown> }>(
  starting: Iterable<Promise<T>>,
): Promise<T[]> {
  const settled = await Promise.allSettled(starting);
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failure) return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
  await Promise.allSettled(settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value.stop()] : [])));
  throw failure.reason;
}
