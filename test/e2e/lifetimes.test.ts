import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { dirs, fixture, vitest, vitestRun } from './helpers/fixture-project.ts';

const exec = promisify(execFile);
const secretServer = join(fixture, 'secret-server.ts');

async function processesMatching(
  marker: string,
): Promise<Array<{ pid: number; ppid: number; args: string }>> {
  const { stdout } = await exec('ps', ['-eo', 'pid=,ppid=,args=']);
  return stdout
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] as string }))
    .filter((p) => p.args.includes(marker) && !p.args.startsWith('ps '));
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return check();
}

/** Every file under `dir`, with its text. */
async function filesUnder(dir: string): Promise<Array<{ path: string; text: string }>> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return Promise.all(
    entries
      .filter((e) => e.isFile())
      .map(async (e) => {
        const path = join(e.parentPath, e.name);
        return { path, text: await readFile(path, 'utf8') };
      }),
  );
}

describe('secrets never reach a file or the output (process target, real Vitest runs)', () => {
  const secrets = {
    apiKey: 'sk-live-0123456789abcdef',
    hfToken: 'hf_argTOKEN0123456789',
    mySecret: 'my-spec-secret-42424242',
  };
  const hostToken = 'hf_hostTOKEN9876543210';
  const values = [...Object.values(secrets), hostToken];

  it('results.json, summary.md, the job summary, baselines and raw records: secret flags are ***, no secret value anywhere', async () => {
    const d = await dirs();
    const jobSummary = join(d.base, 'step-summary.md');
    await writeFile(jobSummary, '');
    const env = {
      FX_OPTIONS: d.options({
        target: 'process',
        gpus: ['0'],
        command: [process.execPath, secretServer, '--port', '{port}', '{args}'],
      }),
      FX_INCLUDE: 'secrets.test.ts',
      FX_HIDDEN: JSON.stringify(secrets),
      HF_TOKEN: hostToken,
      SERVEBENCH_TELEMETRY: '0',
      GITHUB_STEP_SUMMARY: jobSummary,
    };
    const run = await vitest(env);
    expect(run.code, run.out).toBe(0);
    expect(run.out).toMatch(/wrote 1 baseline/);

    const results = JSON.parse(await readFile(join(d.results, 'results.json'), 'utf8'));
    expect(results.points[0].underTest.serverArgs).toEqual([
      '--api-key',
      '***',
      '--hf-token=***',
      '--admin-api-key',
      '***',
    ]);
    const files = [...(await filesUnder(d.results)), ...(await filesUnder(d.baselines))];
    files.push({ path: jobSummary, text: await readFile(jobSummary, 'utf8') });
    expect(files.map((f) => f.path.slice(d.base.length)).sort()).toEqual(
      expect.arrayContaining(['/results/results.json', '/results/summary.md', '/step-summary.md']),
    );
    expect(files.some((f) => f.path.startsWith(d.baselines))).toBe(true);
    const baseline = files.find((f) => f.path.startsWith(d.baselines))?.text ?? '';
    expect(baseline).toMatch(/"--api-key",\s*"\*\*\*"/);
    for (const file of files) for (const value of values) expect(file.text, file.path).not.toContain(value);
    for (const value of values) expect(run.out).not.toContain(value);

    // The second run matches that baseline: masked arguments compare equal.
    const again = await vitest(env);
    expect(again.code, again.out).toBe(0);
    const second = JSON.parse(await readFile(join(d.results, 'results.json'), 'utf8'));
    expect(second.points[0].baseline.status).toBe('matched');
  });

  it('a server that dies while starting: its error shows its last lines, the unfinished last one too, masked', async () => {
    const d = await dirs();
    const run = await vitest({
      FX_OPTIONS: d.options({
        target: 'process',
        gpus: ['0'],
        command: [process.execPath, secretServer, '--port', '{port}', '{args}'],
      }),
      FX_INCLUDE: 'secrets-crash.test.ts',
      FX_HIDDEN: JSON.stringify(secrets),
      HF_TOKEN: hostToken,
    });
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/failed to become healthy: server exited \(code 1\)/);
    expect(run.out).toMatch(/non-default args: \{'api_key': \['\*\*\*'\], 'hf_token': '\*\*\*'\}/);
    expect(run.out).toMatch(/loading the model with HF_TOKEN=\*\*\* and secret \*\*\*/);
    // The last line had no newline when the server died.
    expect(run.out).toMatch(/fatal: the hub refused token \*\*\* \(key \*\*\*\)/);
    for (const value of values) expect(run.out).not.toContain(value);
  });
});

describe('server lifetimes (real Vitest runs on the simulator)', () => {
  it("a file's server is stopped when its lease is released, before the next file on that slot starts", async () => {
    const d = await dirs();
    const log = join(d.base, 'lifetime.jsonl');
    await writeFile(log, '');
    const marker = `fx-life-${process.pid}-${Date.now()}`;
    const run = await vitest({
      FX_OPTIONS: d.options({ simSlots: 1 }),
      FX_INCLUDE: 'life-*.test.ts',
      FX_MARKER: marker,
      FX_LIFETIME_LOG: log,
    });
    expect(run.code, run.out).toBe(0);
    const starts = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { file: string; running: string[] });
    expect(starts.map((s) => s.file).sort()).toEqual(['a', 'b']);
    // The second file on the slot found the first one's server gone.
    for (const start of starts) expect(start.running, start.file).toEqual([]);
    expect(await processesMatching(marker)).toEqual([]);
  });

  it('handle.stop() ends a server now; a failed start of several leaves none running', async () => {
    const d = await dirs();
    const marker = `fx-stop-${process.pid}-${Date.now()}`;
    const run = await vitest({
      FX_OPTIONS: d.options(),
      FX_INCLUDE: 'stop-handle.test.ts',
      FX_MARKER: marker,
    });
    expect(run.code, run.out).toBe(0);
    expect(await processesMatching(marker)).toEqual([]);
  });

  it('a server orphaned by SIGKILL of Vitest and of its reaper is stopped by the next start', async () => {
    const d = await dirs();
    const state = await mkdtemp(join(tmpdir(), 'servebench-state-'));
    const marker = `fx-orphan-${process.pid}-${Date.now()}`;
    const env = { ...process.env, SERVEBENCH_STATE_DIR: state, CI: '', FORCE_COLOR: '0' };
    const child: ChildProcess = spawn(process.execPath, vitestRun, {
      cwd: fixture,
      env: { ...env, FX_OPTIONS: d.options(), FX_INCLUDE: 'slow.test.ts', FX_MARKER: marker },
      stdio: 'ignore',
    });
    const up = await until(
      async () => (await processesMatching(`--served-model-name ${marker}`)).length > 0,
      30_000,
    );
    expect(up).toBe(true);
    const reapers = (await processesMatching('reaper-main')).filter((p) => p.ppid === child.pid);
    expect(reapers).toHaveLength(1);
    // A CI cancel or a cgroup kill: Vitest and its reaper die at once, nothing runs their handlers.
    process.kill(reapers[0]?.pid as number, 'SIGKILL');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await new Promise((r) => setTimeout(r, 2000));
    const orphans = await processesMatching(`--served-model-name ${marker}`);
    expect(orphans).toHaveLength(1);
    expect((await readdir(join(state, 'children'))).filter((f) => f.endsWith('.json'))).toHaveLength(1);

    // The next run (here one with no test file at all) sweeps it before it starts anything.
    const next = await vitest(
      { SERVEBENCH_STATE_DIR: state, FX_OPTIONS: d.options(), FX_INCLUDE: 'no-such-file.test.ts' },
      ['--passWithNoTests'],
    );
    expect(next.out).toMatch(/stopped 1 process\(es\) left running by runs that died: sim server pid \d+/);
    expect(
      await until(
        async () => (await processesMatching(`--served-model-name ${marker}`)).length === 0,
        10_000,
      ),
    ).toBe(true);
    expect((await readdir(join(state, 'children'))).filter((f) => f.endsWith('.json'))).toEqual([]);
  });
});
