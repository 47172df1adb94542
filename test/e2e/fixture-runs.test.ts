import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { dirs, fixture, root, vitest, vitestRun } from './helpers/fixture-project.ts';

const streamServer = join(root, 'src/testing/stream-server.ts');
const exec = promisify(execFile);

async function processesMatching(marker: string): Promise<string[]> {
  const { stdout } = await exec('ps', ['-eo', 'pid,args']);
  return stdout.split('\n').filter((line) => line.includes(marker) && !line.includes('ps -eo'));
}

describe('real Vitest runs of fixture suites on the simulator', () => {
  it('records baselines on the first run, matches them on the second, writes every report file', async () => {
    const d = await dirs();
    const first = await vitest({ FX_OPTIONS: d.options() });
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(/SIMULATED results/);
    expect(first.out).toMatch(/wrote 2 baseline\(s\)/);
    const baselineFiles = await readdir(join(d.baselines, 'fixture-experiment'));
    expect(baselineFiles.sort()).toEqual(['10-req-s.json', '20-req-s.json']);
    const baseline = JSON.parse(
      await readFile(join(d.baselines, 'fixture-experiment', '10-req-s.json'), 'utf8'),
    );
    expect(baseline.entries[0].key.hardware).toBe('simulated:H100 x1');
    expect(baseline.entries[0].samples.ttft.length).toBe(40);

    const results = JSON.parse(await readFile(join(d.results, 'results.json'), 'utf8'));
    expect(results.schemaVersion).toBe(1);
    expect(results.simulated).toBe(true);
    expect(results.targetReason).toBe("target 'sim' configured");
    expect(results.points).toHaveLength(2);
    expect(results.points[0].baseline.status).toBe('new');
    const raw = (await readFile(join(d.results, results.points[0].rawFile), 'utf8')).trim().split('\n');
    expect(raw).toHaveLength(40);
    const summary = await readFile(join(d.results, 'summary.md'), 'utf8');
    expect(summary).toMatch(/Simulated results/);
    expect(summary).toMatch(/charts\/.*\.svg/);
    expect((await readdir(join(d.results, 'charts'))).length).toBeGreaterThan(0);

    const summaryFile = join(d.base, 'step-summary.md');
    await writeFile(summaryFile, '');
    const second = await vitest({ FX_OPTIONS: d.options(), GITHUB_STEP_SUMMARY: summaryFile });
    expect(second.code, second.out).toBe(0);
    const again = JSON.parse(await readFile(join(d.results, 'results.json'), 'utf8'));
    expect(again.points.map((p: { baseline: { status: string } }) => p.baseline.status)).toEqual([
      'matched',
      'matched',
    ]);
    expect(await readFile(summaryFile, 'utf8')).toMatch(/fixture experiment/);
  });

  it('fails a deliberately regressed server with the diff, and -u re-records it', async () => {
    const d = await dirs();
    expect((await vitest({ FX_OPTIONS: d.options() })).code).toBe(0);
    const before = await readFile(join(d.baselines, 'fixture-experiment', '20-req-s.json'), 'utf8');
    // Same key (hardware, model, load), different server under test: one sequence at a time.
    const slow = { FX_OPTIONS: d.options(), FX_SERVER_ARGS: JSON.stringify(['--max-num-seqs', '1']) };
    const regressed = await vitest(slow);
    expect(regressed.code).toBe(1);
    expect(regressed.out).toMatch(/regression against the baseline/);
    expect(regressed.out).toMatch(/p50_ttft_ms\s+\S+\s+\S+\s+\+\d+.*REGRESSED/);
    expect(regressed.out).toMatch(/server args: '' -> '--max-num-seqs 1'/);
    // A failing run never overwrites the baseline.
    expect(await readFile(join(d.baselines, 'fixture-experiment', '20-req-s.json'), 'utf8')).toBe(before);

    const updated = await vitest(slow, ['-u']);
    expect(updated.code, updated.out).toBe(0);
    const after = JSON.parse(
      await readFile(join(d.baselines, 'fixture-experiment', '20-req-s.json'), 'utf8'),
    );
    expect(after.entries[0].underTest.serverArgs).toEqual(['--max-num-seqs', '1']);
  });

  it('CI mode: a missing baseline fails and says how to record one; an SLO miss fails with the table', async () => {
    const d = await dirs();
    const ci = await vitest({ FX_OPTIONS: d.options(), CI: 'true' });
    expect(ci.code).toBe(1);
    expect(ci.out).toMatch(/no baseline for fixture experiment › 10 req\/s on simulated:H100 x1/);
    expect(ci.out).toMatch(/npx vitest run -u/);
    await expect(readdir(d.baselines)).rejects.toThrow();

    const slo = await vitest({ FX_OPTIONS: d.options(), FX_TTFT_LIMIT: '0.001' });
    expect(slo.code).toBe(1);
    expect(slo.out).toMatch(/SLO not met/);
    expect(slo.out).toMatch(/p99_queued_ttft_ms\s+<= 0\.00 ms\s+\S+ ms.*FAIL/);
    expect(slo.out).toMatch(/not judged, vLLM's send-based values: p99_ttft_ms \S+ ms/);
  });

  it('bad plugin options give an error naming the field', async () => {
    const d = await dirs();
    const bad = await vitest({ FX_OPTIONS: JSON.stringify({ target: 'gpu', resultsDir: d.results }) });
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/invalid servebench\(\) options/);
    expect(bad.out).toMatch(
      /target: Invalid option: expected one of "auto"\|"container"\|"process"\|"sim"\|"url"/,
    );
  });
});

describe('GPU leases (mock GPUs: no GPU on this machine)', () => {
  it('gives concurrent test files distinct GPUs, and fails a file that needs more GPUs than a slot', async () => {
    const d = await dirs();
    const log = join(d.base, 'leases.jsonl');
    await writeFile(log, '');
    const command = [process.execPath, streamServer, '--port', '{port}'];
    const leases = await vitest({
      FX_OPTIONS: d.options({ target: 'process', gpus: ['0', '1'], command }),
      FX_INCLUDE: 'lease-*.test.ts',
      FX_LEASE_LOG: log,
    });
    expect(leases.code, leases.out).toBe(0);
    const entries = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(entries.map((e) => e.gpus).sort()).toEqual(['0', '1']);
    // Two slots, two files: they ran at the same time.
    expect(Math.max(entries[0].start, entries[1].start)).toBeLessThan(
      Math.min(entries[0].end, entries[1].end),
    );

    const tooBig = await vitest({
      FX_OPTIONS: d.options({ target: 'process', gpus: ['0', '1'], command }),
      FX_INCLUDE: 'needs-two.test.ts',
    });
    expect(tooBig.code).toBe(1);
    expect(tooBig.out).toMatch(/needs 2 GPUs but this test file's lease has 1 \(0\)/);
  });
});

describe('cleanup: no orphan server after the run', () => {
  async function interrupted(signal: NodeJS.Signals) {
    const d = await dirs();
    const marker = `fx-marker-${process.pid}-${signal}-${Date.now()}`;
    const child: ChildProcess = spawn(process.execPath, vitestRun, {
      cwd: fixture,
      env: { ...process.env, FX_OPTIONS: d.options(), FX_INCLUDE: 'slow.test.ts', FX_MARKER: marker },
      stdio: 'ignore',
    });
    const deadline = Date.now() + 30_000;
    while ((await processesMatching(marker)).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect((await processesMatching(marker)).length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1000));
    child.kill(signal);
    await new Promise((r) => child.once('exit', r));
    const gone = Date.now() + 15_000;
    while ((await processesMatching(marker)).length > 0 && Date.now() < gone)
      await new Promise((r) => setTimeout(r, 250));
    return processesMatching(marker);
  }

  it('after a normal run', async () => {
    const d = await dirs();
    const marker = `fx-normal-${Date.now()}`;
    const run = await vitest({
      FX_OPTIONS: d.options(),
      FX_SERVER_ARGS: JSON.stringify(['--served-model-name', marker]),
    });
    expect(run.code, run.out).toBe(0);
    expect(await processesMatching(marker)).toEqual([]);
  });

  it.each(['SIGINT', 'SIGKILL'] as const)('after %s of the Vitest process', async (signal) => {
    expect(await interrupted(signal)).toEqual([]);
  });
});
