import { execFile, spawn } from 'node:child_process';
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

/**
 * Starts the CLI and resolves once its stderr shows `line`, with the outcome still to come:
 * for tests that act while the CLI runs, at a point it has reached rather than after a guess.
 */
export function servebenchUntil(
  args: string[],
  cwd: string,
  env: Record<string, string>,
  line: RegExp,
): Promise<{ outcome: Promise<CliOutcome> }> {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  const outcome = new Promise<CliOutcome>((resolve) => {
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  void outcome.then(() => clearTimeout(timer));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
      if (line.test(stderr)) resolve({ outcome });
    });
    void outcome.then((o) => reject(new Error(`the CLI ended before printing ${line}:\n${o.stderr}`)));
  });
}
