import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who holds a lock or wrote a temp file: a process id is reused once its process is gone, so the
 * owner is its pid plus its start time (Linux: clock ticks since boot, from /proc; elsewhere null,
 * and then the pid alone decides).
 */
export interface ProcessOwner {
  pid: number;
  start: string | null;
  host: string;
}

/** The start time of process `pid` as /proc/<pid>/stat gives it (field 22), or null where unknown. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

export const thisProcess = (): ProcessOwner => ({
  pid: process.pid,
  start: processStart(process.pid),
  host: hostname(),
});

/** Whether a process with this id exists (one of another user counts: EPERM). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the owner is certainly gone: on this host, no process has its pid, or the process that
 * has it started at another time (the pid was reused). An owner on another host is never judged
 * gone: its liveness cannot be seen from here.
 */
export function ownerGone(owner: ProcessOwner): boolean {
  if (owner.host !== hostname()) return false;
  if (!pidAlive(owner.pid)) return true;
  if (owner.start === null) return false;
  const start = processStart(owner.pid);
  return start !== null && start !== owner.start;
}
