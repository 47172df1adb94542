import { mkdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Last use of a reused container: the mtime of one file per container, touched while a run
 * holds it. Labels cannot change after creation, so the idle clock lives on the host.
 */
export function heartbeatDir(): string {
  return join(tmpdir(), 'servebench-reuse');
}

function file(containerId: string): string {
  return join(heartbeatDir(), containerId);
}

export async function touchHeartbeat(containerId: string): Promise<void> {
  await mkdir(heartbeatDir(), { recursive: true });
  const now = new Date();
  try {
    await utimes(file(containerId), now, now);
  } catch {
    await writeFile(file(containerId), '');
  }
}

/** Milliseconds since the container was last used; since `createdMs` when never recorded. */
export async function idleMs(containerId: string, createdMs: number, now = Date.now()): Promise<number> {
  try {
    return now - (await stat(file(containerId))).mtimeMs;
  } catch {
    return now - createdMs;
  }
}

export async function dropHeartbeat(containerId: string): Promise<void> {
  await rm(file(containerId), { force: true });
}
