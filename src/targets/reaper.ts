import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Parent side of the reaper: a detached watchdog process that kills every registered process
 * group when this process dies, however it dies (Vitest exits right after SIGINT, SIGKILL runs
 * no handlers). It notices through its stdin pipe closing.
 */
export class Reaper {
  private child: ChildProcess | null = null;

  private ensure(): ChildProcess {
    if (this.child) return this.child;
    const entry = fileURLToPath(new URL('./reaper-main.ts', import.meta.url));
    this.child = spawn(process.execPath, [entry], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    this.child.unref();
    (this.child.stdin as NodeJS.WritableStream & { unref?: () => void }).unref?.();
    return this.child;
  }

  watch(pid: number): void {
    this.ensure().stdin?.write(`watch ${pid}\n`);
  }

  forget(pid: number): void {
    this.child?.stdin?.write(`forget ${pid}\n`);
  }

  /** Normal shutdown: everything was stopped, the reaper can go. */
  close(): void {
    this.child?.stdin?.end();
    this.child = null;
  }
}
