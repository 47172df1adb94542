import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const writeAtomic = join(import.meta.dirname, '../../../src/core/write-atomic.ts');

/**
 * A real writer killed with SIGKILL in the middle of writing `path` through writeFileAtomic: it
 * streams the content, says so once the first chunk is on disk, and never finishes. Resolves with
 * the names of the temp files left in the directory.
 */
export async function killedWriter(path: string): Promise<string[]> {
  const script = `
    import { writeFileAtomic } from ${JSON.stringify(writeAtomic)};
    async function* content() {
      yield '{"half": ';
      console.log('writing');
      await new Promise(() => {});
    }
    await writeFileAtomic(process.env.FILE, content());`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, FILE: path },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  return (await readdir(dirname(path))).filter((n) => n.endsWith('.tmp'));
}

/** A process id that no process has: that of a process that just exited. */
export function deadPid(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', '']);
    child.once('exit', () => resolve(child.pid as number));
  });
}
