import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServebenchError } from './errors.ts';
import { ownerGone, type ProcessOwner, thisProcess } from './process-owner.ts';

/** Another process held a file's lock for longer than we wait. */
export class FileLockError extends ServebenchError {
  constructor(message: string, hint: string) {
    super('SB_FILE_LOCKED', message, hint);
  }
}

/** Long enough for any read-merge-write of a results or baseline file on a busy host. */
export const DEFAULT_LOCK_WAIT_MS = 30_000;
/**
 * A lock file with no owner in it is a writer that died between creating it and writing its pid
 * (a few microseconds); older than this, it is stale. The takeover guard is as short-lived.
 */
const OWNERLESS_STALE_MS = 5_000;

interface LockOwner extends ProcessOwner {
  /** This acquisition, so that a release never removes another holder's lock. */
  token: string;
  acquiredAt: string;
}

export const lockPathOf = (path: string) => `${path}.lock`;

async function readOwner(lockPath: string): Promise<LockOwner | null | 'absent'> {
  try {
    const text = await readFile(lockPath, 'utf8');
    const owner = JSON.parse(text) as LockOwner;
    return typeof owner?.pid === 'number' && typeof owner.token === 'string' ? owner : null;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : null;
  }
}

async function olderThan(path: string, ms: number): Promise<boolean> {
  const info = await stat(path).catch(() => null);
  return info !== null && Date.now() - info.mtimeMs > ms;
}

/** Creates `path` exclusively with `content`; false when it exists. */
async function createExclusive(path: string, content: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'ENOENT') throw error;
    await mkdir(dirname(path), { recursive: true });
    return createExclusive(path, content);
  }
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  return true;
}

/**
 * Removes a stale lock (its owner is dead, or it never got one) so that the next exclusive create
 * can win. Two waiters may find the same stale lock: a short guard file makes one of them remove
 * it, and only after checking that it is still the stale one (not a lock just taken by a third).
 */
async function takeOver(lockPath: string, stale: LockOwner | null): Promise<void> {
  const guard = `${lockPath}.takeover`;
  if (!(await createExclusive(guard, String(process.pid)))) {
    if (await olderThan(guard, OWNERLESS_STALE_MS)) await unlink(guard).catch(() => {});
    return;
  }
  try {
    const now = await readOwner(lockPath);
    const same = now === null ? stale === null : now !== 'absent' && now.token === stale?.token;
    if (same) await unlink(lockPath).catch(() => {});
  } finally {
    await unlink(guard).catch(() => {});
  }
}

export interface LockOptions {
  /** How long to wait for a live holder before failing (ms). */
  waitMs?: number;
}

/**
 * Runs `fn` while holding an exclusive lock on `path`: the lock file `<path>.lock`, created with
 * O_EXCL and holding the owner's pid, process start time and host. A lock whose owner is dead
 * (or whose pid now belongs to another process) is taken over; a live owner is waited for up to
 * `waitMs`, then a FileLockError names it. Processes and concurrent calls in one process are
 * serialized alike.
 */
export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const lockPath = lockPathOf(path);
  const waitMs = options.waitMs ?? DEFAULT_LOCK_WAIT_MS;
  const me: LockOwner = {
    ...thisProcess(),
    token: randomBytes(8).toString('hex'),
    acquiredAt: new Date().toISOString(),
  };
  const deadline = Date.now() + waitMs;
  let pause = 5;
  for (;;) {
    if (await createExclusive(lockPath, `${JSON.stringify(me)}\n`)) break;
    const owner = await readOwner(lockPath);
    if (owner === 'absent') continue;
    const stale = owner === null ? await olderThan(lockPath, OWNERLESS_STALE_MS) : ownerGone(owner);
    if (stale) {
      await takeOver(lockPath, owner);
      continue;
    }
    if (Date.now() >= deadline) {
      const who =
        owner === null
          ? 'a writer that has not yet recorded its pid'
          : `process ${owner.pid} on ${owner.host} (since ${owner.acquiredAt})`;
      throw new FileLockError(
        `${path}: still locked by ${who} after waiting ${Math.round(waitMs / 1000)} s (lock file ${lockPath})`,
        `another servebench run is writing this file; wait for it, or if that process is hung, stop it (a lock of a dead process is taken over by itself)`,
      );
    }
    await sleep(Math.min(pause, Math.max(1, deadline - Date.now())));
    pause = Math.min(pause * 2, 100);
  }
  try {
    return await fn();
  } finally {
    const owner = await readOwner(lockPath);
    if (owner !== null && owner !== 'absent' && owner.token === me.token)
      await unlink(lockPath).catch(() => {});
  }
}
