import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bin = join(import.meta.dirname, '../../src/cli/bin.ts');

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `servebench` CLI in a child process on this Node; resolves even on a non-zero exit. */
export async function servebench(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<CliOutcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      cwd,
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
