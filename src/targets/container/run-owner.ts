import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** The Vitest run that owns a container: written into its labels, checked by the stale sweep. */
export interface RunOwner {
  /** One id per run (per ContainerTarget): the run label's value. */
  runId: string;
  host: string;
  pid: number;
  /** The process's start time (clock ticks since boot, Linux); '' where unknown. A reused pid differs. */
  pidStart: string;
}

export function currentOwner(): RunOwner {
  return {
    runId: `${process.pid}-${randomUUID().slice(0, 8)}`,
    host: hostname(),
    pid: process.pid,
    pidStart: processStartTime(process.pid),
  };
}

/** Field 22 of /proc/PID/stat: when the process started; '' when unreadable (not Linux, gone). */
export function processStartTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/** Whether the owner is still running on this host (same pid AND same start time). */
export function isOwnerAlive(owner: Pick<RunOwner, 'pid' | 'pidStart'>): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = processStartTime(owner.pid);
  return owner.pidStart === '' || start === '' || start === owner.pidStart;
}
