import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deadPid } from '../../test/helpers/files/killed-writer.ts';
import { tempDirs } from '../../test/helpers/files/temp-dirs.ts';
import { FileLockError, lockPathOf, withFileLock } from './file-lock.ts';
import { processStart } from './process-owner.ts';
import { updateFileLocked } from './write-atomic.ts';

const dir = tempDirs('lock');

const writeAtomic = join(import.meta.dirname, 'write-atomic.ts');

/** Runs `node -e script` to its end; resolves with its pid and exit code. */
function node(
  script: string,
  env: Record<string, string> = {},
): Promise<{ pid: number; code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ pid: child.pid as number, code, out }));
  });
}

describe('file lock: O_EXCL lock file with the owner, stale takeover, bounded wait', () => {
  it('keeps every change when processes read-modify-write one file at once', async () => {
    const file = join(await dir(), 'shared.json');
    // Each process appends its id 20 times; without the lock, interleaved read-modify-writes drop some.
    const script = `
      import { updateFileLocked } from ${JSON.stringify(writeAtomic)};
      for (let i = 0; i < 20; i++) {
        await updateFileLocked(process.env.FILE, (text) => {
          const list = text === null ? [] : JSON.parse(text);
          list.push(process.env.ID + ':' + i);
          return JSON.stringify(list);
        });
      }`;
    const runs = await Promise.all(
      Array.from({ length: 6 }, (_, id) => node(script, { FILE: file, ID: String(id) })),
    );
    expect(runs.map((r) => [r.code, r.out])).toEqual(runs.map(() => [0, '']));
    const list = JSON.parse(await readFile(file, 'utf8')) as string[];
    expect(list).toHaveLength(6 * 20);
    expect(new Set(list).size).toBe(6 * 20);
    await expect(readFile(lockPathOf(file))).rejects.toThrow(/ENOENT/);
  });

  it('takes over the lock of a process that died holding it (SIGKILL)', async () => {
    const file = join(await dir(), 'baseline.json');
    const lock = lockPathOf(file);
    await writeFile(
      lock,
      JSON.stringify({
        pid: await deadPid(),
        start: null,
        host: hostname(),
        token: 'dead',
        acquiredAt: 'then',
      }),
    );
    const started = Date.now();
    await updateFileLocked(file, () => 'mine', { waitMs: 2000 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await readFile(file, 'utf8')).toBe('mine');
    await expect(readFile(lock)).rejects.toThrow(/ENOENT/);
  });

  it('takes over a lock whose pid now belongs to another process (started at another time)', async () => {
    const file = join(await dir(), 'reused.json');
    const start = processStart(process.pid);
    if (start === null) return; // no /proc: the pid alone decides, and it is alive
    const owner = {
      pid: process.pid,
      start: `${start}0`,
      host: hostname(),
      token: 'old',
      acquiredAt: 'then',
    };
    await writeFile(lockPathOf(file), JSON.stringify(owner));
    await withFileLock(file, async () => {}, { waitMs: 2000 });
  });

  it('waits for a live holder, and after the bounded wait names it and its lock file', async () => {
    const file = join(await dir(), 'busy.json');
    const started = Date.now();
    const error = await withFileLock(file, () =>
      // This process holds the lock; a second acquisition waits like any other process would.
      withFileLock(file, async () => 'never', { waitMs: 300 }).catch((e: unknown) => e),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(error).toBeInstanceOf(FileLockError);
    expect((error as FileLockError).code).toBe('SB_FILE_LOCKED');
    expect((error as Error).message).toContain(`still locked by process ${process.pid} on ${hostname()}`);
    expect((error as Error).message).toContain(lockPathOf(file));
    // Released when the holder is done: the next one gets it at once.
    await withFileLock(file, async () => {}, { waitMs: 100 });
  });

  it('serializes holders in one process, in turn', async () => {
    const file = join(await dir(), 'turns.json');
    const order: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((id) =>
        withFileLock(file, async () => {
          order.push(`${id}+`);
          await new Promise((r) => setTimeout(r, 20));
          order.push(`${id}-`);
        }),
      ),
    );
    for (let i = 0; i < order.length; i += 2) expect(order[i + 1]).toBe(order[i]?.replace('+', '-'));
  });
});
