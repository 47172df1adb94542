import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Real Vitest child processes on the fixture project (test/e2e/fixture), shared by the e2e tests.
export const root = join(import.meta.dirname, '../../..');
export const fixture = join(root, 'test/e2e/fixture');
const vitestBin = join(root, 'node_modules/vitest/vitest.mjs');
/** `node <these> ...args` runs Vitest on the fixture project. */
export const vitestRun = [vitestBin, 'run', '--configLoader', 'native', '--root', fixture];

export interface RunOutput {
  code: number;
  out: string;
}

/** A real `vitest run` of the fixture project in a child process. */
export function vitest(env: Record<string, string>, args: string[] = []): Promise<RunOutput> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...vitestRun, ...args], {
      cwd: fixture,
      env: { ...process.env, CI: '', GITHUB_STEP_SUMMARY: '', FORCE_COLOR: '0', ...env },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code: code ?? -1, out }));
  });
}

/** Fresh results and baselines directories, and the fixture's FX_OPTIONS pointing at them. */
export async function dirs() {
  const base = await mkdtemp(join(tmpdir(), 'servebench-e2e-'));
  const results = join(base, 'results');
  const baselines = join(base, 'baselines');
  return {
    base,
    results,
    baselines,
    options: (extra = {}) =>
      JSON.stringify({ target: 'sim', resultsDir: results, baselinesDir: baselines, ...extra }),
  };
}
