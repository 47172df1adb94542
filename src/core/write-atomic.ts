import {
  access,
  constants,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type LockOptions, withFileLock } from './file-lock.ts';
import { pidAlive } from './process-owner.ts';

/**
 * The one way servebench writes files (results, reports, raw records, baselines): the content
 * goes to `<file>.<pid>-<n>.tmp` beside the file, then is renamed over it, so a reader (or a
 * crash) never sees half a file. A failed write removes its temp file; the temp files of writers
 * that died (SIGKILL mid-write) are removed the next time their directory is written.
 * `updateFileLocked` adds an exclusive lock around read-modify-write (file-lock.ts).
 */

export type FileContent = string | Uint8Array | AsyncIterable<string | Uint8Array>;

let sequence = 0;

/** `<name>.<pid>.tmp` (older servebench) or `<name>.<pid>-<n>.tmp`. */
const TEMP_FILE = /^.+\.(\d+)(?:-\d+)?\.tmp$/;
/** A temp file this old is stale even if a process has its pid now (the pid was reused). */
const TEMP_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** Removes temp files in `dir` left by writers that are gone. Returns what it removed. */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMP_FILE.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid) continue; // ours: a write in flight in this process
    const path = join(dir, name);
    const old = async () => {
      const info = await stat(path).catch(() => null);
      return info?.isFile() === true && Date.now() - info.mtimeMs > TEMP_MAX_AGE_MS;
    };
    if (pidAlive(pid) && !(await old())) continue;
    await unlink(path).then(
      () => removed.push(path),
      () => {},
    );
  }
  return removed;
}

/** Writes via a temp file and rename, so a reader (or a crash) never leaves half a file. */
export async function writeFileAtomic(path: string, content: FileContent): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  await removeStaleTempFiles(dir);
  sequence += 1;
  const temp = join(dir, `${basename(path)}.${process.pid}-${sequence}.tmp`);
  try {
    await writeFile(temp, content);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}

/**
 * Read-modify-write of one file under an exclusive lock: `update` gets the current content (null
 * when there is none) and returns the new one, written atomically. Two processes updating the same
 * file (two `-u` runs adding entries to one baseline file) both get their change in.
 */
export async function updateFileLocked(
  path: string,
  update: (current: string | null) => FileContent | Promise<FileContent>,
  options: LockOptions = {},
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await withFileLock(
    path,
    async () => {
      const current = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw error;
      });
      await writeFileAtomic(path, await update(current));
    },
    options,
  );
}

/**
 * Checks that files can be written in `dir` before a run spends time measuring: creates it and
 * writes and removes a probe file. Returns null when it can, else the reason (e.g. `ENOTDIR: a
 * parent is a file`), for the caller's error, which names its option. With `leaveNoTrace`, the
 * directories it had to create are removed again (for a directory the run may never write).
 */
export async function unwritableReason(
  dir: string,
  options: { leaveNoTrace?: boolean } = {},
): Promise<string | null> {
  let created: string | undefined;
  try {
    created = await mkdir(dir, { recursive: true });
    const info = await stat(dir);
    if (!info.isDirectory()) return 'it is a file, not a directory';
    await access(dir, constants.W_OK);
    const probe = join(dir, `.servebench-write-probe.${process.pid}-${++sequence}.tmp`);
    await writeFile(probe, '');
    await unlink(probe);
    return null;
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const why: Record<string, string> = {
      ENOTDIR: 'a part of the path is a file, not a directory',
      EEXIST: 'it exists and is not a directory',
      EACCES: 'permission denied',
      EPERM: 'operation not permitted',
      EROFS: 'read-only file system',
      ENOSPC: 'no space left on the device',
    };
    return e.code ? `${e.code}: ${why[e.code] ?? e.message}` : String(error);
  } finally {
    if (created !== undefined && options.leaveNoTrace) await rm(created, { recursive: true, force: true });
  }
}
