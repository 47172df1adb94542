import { type ChildProcess, spawn } from 'node:child_process';
import { modulePath } from '../runtime/module-path.ts';

/**
 * Parent side of the reaper: a detached watchdog process that cleans up when this process dies,
 * however it dies (Vitest exits right after SIGINT, SIGKILL runs no handlers). It notices through
 * its stdin pipe closing, then kills every registered process group, removes the registered runs'
 * containers (by run label), and removes reused containers once they have been idle for their TTL.
 */
export class Reaper {
  private child: ChildProcess | null = null;

  private ensure(): ChildProcess {
    if (this.child) return this.child;
    const entry = modulePath(import.meta.url, './reaper-main');
    this.child = spawn(process.execPath, [entry], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    this.child.unref();
    (this.child.stdin as NodeJS.WritableStream & { unref?: () => void }).unref?.();
    return this.child;
  }

  private send(line: string): void {
    this.ensure().stdin?.write(`${line}\n`);
  }

  watch(pid: number): void {
    this.send(`watch ${pid}`);
  }

  forget(pid: number): void {
    this.child?.stdin?.write(`forget ${pid}\n`);
  }

  /** Containers labelled servebench.run=RUN_ID are removed when this process is gone. */
  watchContainers(runId: string): void {
    this.send(`run ${runId}`);
  }

  /** A reused container: removed once nobody has used it for `ttlMs` after this process is gone. */
  watchIdle(containerId: string, ttlMs: number): void {
    this.send(`idle ${containerId} ${Math.round(ttlMs)}`);
  }

  /** Normal shutdown: everything was stopped, the reaper can go (after idle TTLs, if any). */
  close(): void {
    this.child?.stdin?.end();
    this.child = null;
  }
}
