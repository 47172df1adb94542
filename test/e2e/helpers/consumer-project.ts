import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';

/** The repository root. */
export const root = join(import.meta.dirname, '../../..');
const exec = promisify(execFile);

export interface Ran {
  code: number;
  out: string;
}

/** The repository's own version of a dev dependency, so installs come from npm's cache. */
export async function repoVersion(name: string): Promise<string> {
  return JSON.parse(await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/**
 * The environment of a user's shell: none of this repository's or of the Vitest worker's
 * variables (a source export condition, a forced target, CI), and `node` first on PATH.
 */
export function userEnv(nodeBin: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(VITEST|SERVEBENCH|NODE_OPTIONS$|CI$|GITHUB_|npm_)/.test(k) || k === 'TEST' || k === 'NODE_ENV')
      continue;
    env[k] = v;
  }
  return { ...env, PATH: `${dirname(nodeBin)}${delimiter}${env.PATH ?? ''}`, ...extra };
}

/** Runs a command to completion; resolves with its exit code and combined output. */
export async function sh(
  file: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Ran> {
  try {
    const { stdout, stderr } = await exec(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 300_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number | string; stdout?: string; stderr?: string; message: string };
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      out: `${e.stdout ?? ''}${e.stderr ?? ''}${e.message}`,
    };
  }
}

/** npm from PATH, as a user runs it. */
export function npm(args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<Ran> {
  return sh('npm', args, { cwd, env: env ?? userEnv(process.execPath), timeoutMs: 300_000 });
}

/** `npm pack` of this repository (its prepack builds dist/) into a fresh temp directory. */
export async function packRepository(): Promise<{ tarball: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'servebench-pack-'));
  const packed = await npm(['pack', '--pack-destination', dir, '--json'], root);
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.out}`);
  const json = packed.out.slice(packed.out.indexOf('['));
  const entries = JSON.parse(json.slice(0, json.lastIndexOf(']') + 1)) as { filename: string }[];
  return { tarball: join(dir, entries[0]?.filename ?? 'servebench.tgz'), dir };
}

/** A Node.js binary of the given version from the npm registry (the node-linux-<arch> package). */
export async function nodeBinary(version: string): Promise<string> {
  const dir = join(tmpdir(), 'servebench-test-node', version);
  const bin = join(dir, 'node_modules', `node-${process.platform}-${process.arch}`, 'bin', 'node');
  const have = await sh(bin, ['--version'], { cwd: tmpdir() });
  if (have.code === 0 && have.out.trim() === `v${version}`) return bin;
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), '{"private":true}\n');
  const installed = await npm(
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      `node-${process.platform}-${process.arch}@${version}`,
    ],
    dir,
  );
  if (installed.code !== 0) throw new Error(`could not install Node ${version}:\n${installed.out}`);
  return bin;
}
