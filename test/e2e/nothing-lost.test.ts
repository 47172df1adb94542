import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { ResultsFile } from '../../src/report/schema.ts';
import { killedWriter } from '../helpers/files/killed-writer.ts';
import { dirs, fixture, vitest as fixtureRun, type RunOutput, vitestRun } from './helpers/fixture-project.ts';
import { servebench } from './run-cli.ts';

// Real Vitest runs of the fixture project on the simulator: baselines that cannot judge, baseline
// files written by two runs at once, output directories that cannot be written, an output that
// fails among others, and a server or a run that dies.

const exec = promisify(execFile);
/**
 * A fixture run with a loose timing check (not part of the baseline key): these tests check what is
 * written and reported, and must not turn invalid when the host is busy.
 */
const vitest = (env: Record<string, string>, args: string[] = []): Promise<RunOutput> =>
  fixtureRun({ FX_MAX_LATENESS_MS: '1000', ...env }, args);
const slowServer = { FX_SERVER_ARGS: JSON.stringify(['--max-num-seqs', '1']) };
type Dirs = Awaited<ReturnType<typeof dirs>>;

const baselineFile = (d: Dirs, point: '10' | '20') =>
  join(d.baselines, 'fixture-experiment', `${point}-req-s.json`);
const readResults = async (d: Dirs): Promise<ResultsFile> =>
  JSON.parse(await readFile(join(d.results, 'results.json'), 'utf8'));

/** Rewrites the samples of every entry of a recorded baseline file. */
async function editSamples(path: string, edit: (samples: Record<string, number[]>) => void): Promise<void> {
  const json = JSON.parse(await readFile(path, 'utf8'));
  for (const entry of json.entries) edit(entry.samples);
  await writeFile(path, JSON.stringify(json, null, 2));
}

describe('a baseline that cannot judge fails the point, never "matched"', () => {
  // A simulator on a busy host can fall behind its model, which makes a run invalid and records
  // nothing (seen once in CI beside four other Vitest runs): a retry, since what is tested here is
  // how a broken baseline is handled.
  it('emptied or zeroed samples: BaselineError naming file, entry and field, for a slowed server the intact baseline catches; -u re-records', {
    retry: 1,
    timeout: 240_000,
  }, async () => {
    const d = await dirs();
    const first = await vitest({ FX_OPTIONS: d.options() });
    expect(first.code, first.out).toBe(0);
    const intact = await vitest({ FX_OPTIONS: d.options(), ...slowServer });
    expect(intact.code).toBe(1);
    expect(intact.out).toMatch(/regression against the baseline/);
    const recorded = await readFile(baselineFile(d, '10'), 'utf8');

    await editSamples(baselineFile(d, '10'), (s) => {
      for (const k of ['ttft', 'tpot', 'e2el', 'outputTokensPerSecond']) s[k] = [];
    });
    const emptied = await vitest({ FX_OPTIONS: d.options(), ...slowServer });
    expect(emptied.code).toBe(1);
    expect(emptied.out).toContain(`baseline file ${baselineFile(d, '10')} cannot judge a run:`);
    expect(emptied.out).toMatch(
      /entry 0 \(fixture experiment › 10 req\/s on simulated:H100 x1\), field 'samples\.ttft': no samples/,
    );
    expect(emptied.out).toMatch(/hint: fix the file, or re-record it with `npx vitest run -u`/);
    const statuses = (await readResults(d)).points.map((p) => [p.test, p.state, p.baseline?.status]);
    expect(statuses).toContainEqual(['10 req/s', 'failed', 'unusable']);
    expect(statuses.some(([, , status]) => status === 'matched')).toBe(false);
    expect(await readFile(join(d.results, 'summary.md'), 'utf8')).toMatch(/baseline cannot judge/);

    await writeFile(baselineFile(d, '10'), recorded);
    await editSamples(baselineFile(d, '10'), (s) => {
      for (const k of ['ttft', 'tpot', 'e2el', 'outputTokensPerSecond']) s[k] = s[k]?.map(() => 0) ?? [];
    });
    const zeroed = await vitest({ FX_OPTIONS: d.options(), ...slowServer });
    expect(zeroed.code).toBe(1);
    expect(zeroed.out).toMatch(/field 'samples\.ttft': every sample is 0/);
    expect((await readResults(d)).points.find((p) => p.test === '10 req/s')?.baseline?.status).toBe(
      'unusable',
    );

    // -u is how a broken baseline is fixed: it must not stop on it.
    const rerecorded = await vitest({ FX_OPTIONS: d.options() }, ['-u']);
    expect(rerecorded.code, rerecorded.out).toBe(0);
    const fixed = JSON.parse(await readFile(baselineFile(d, '10'), 'utf8'));
    expect(fixed.entries[0].samples.ttft).toHaveLength(40);
    expect(fixed.entries[0].samples.ttft.some((v: number) => v > 0)).toBe(true);
  });
});

describe('baseline files written by two runs at once', () => {
  // Two simulators at once on a busy host can fall behind their model, which makes a run invalid
  // (and an invalid run records nothing): a retry, since what is tested here is the writing.
  it('two -u runs (two hardware classes) both keep their entry; a SIGKILLed writer’s temp file is removed', {
    retry: 2,
    timeout: 180_000,
  }, async () => {
    const d = await dirs();
    await mkdir(join(d.baselines, 'fixture-experiment'), { recursive: true });
    const left = await killedWriter(baselineFile(d, '10'));
    expect(left).toHaveLength(1);

    const runs = await Promise.all(
      ['H100', 'A100'].map((gpu) =>
        vitest(
          {
            FX_OPTIONS: d.options({ resultsDir: join(d.base, `results-${gpu}`) }),
            FX_SIM_GPU: gpu,
          },
          ['-u'],
        ),
      ),
    );
    for (const run of runs) expect(run.code, run.out).toBe(0);
    for (const point of ['10', '20'] as const) {
      const file = JSON.parse(await readFile(baselineFile(d, point), 'utf8'));
      expect(file.entries.map((e: { key: { hardware: string } }) => e.key.hardware).sort()).toEqual([
        'simulated:A100 x1',
        'simulated:H100 x1',
      ]);
    }
    // No temp file (the dead writer's included) and no lock file is left.
    expect((await readdir(join(d.baselines, 'fixture-experiment'))).sort()).toEqual([
      '10-req-s.json',
      '20-req-s.json',
    ]);
  });
});

describe('output directories are checked before any load', () => {
  const noLoadRan = (out: string) => {
    expect(out).not.toMatch(/req\/s/);
    expect(out).not.toMatch(/SIMULATED results/);
  };

  it('a resultsDir or baselinesDir that cannot be written fails at start, naming the option and the path', async () => {
    const d = await dirs();
    const file = join(d.base, 'a-file');
    await writeFile(file, '');
    const results = await vitest({ FX_OPTIONS: d.options({ resultsDir: join(file, 'results') }) });
    expect(results.code).not.toBe(0);
    expect(results.out).toContain(
      `servebench() option resultsDir: cannot write to ${join(file, 'results')} (ENOTDIR: a part of the path is a file, not a directory)`,
    );
    noLoadRan(results.out);

    const baselines = await vitest({ FX_OPTIONS: d.options({ baselinesDir: join(file, 'baselines') }) });
    expect(baselines.code).not.toBe(0);
    expect(baselines.out).toContain(
      `servebench() option baselinesDir: cannot write to ${join(file, 'baselines')}`,
    );
    noLoadRan(baselines.out);
    // CI only reads baselines, but a path that cannot hold them is an error all the same.
    const ci = await vitest({ FX_OPTIONS: d.options({ baselinesDir: file }), CI: 'true' });
    expect(ci.code).not.toBe(0);
    expect(ci.out).toContain(`servebench() option baselinesDir: cannot read baselines from ${file}`);
    noLoadRan(ci.out);
    await expect(readdir(d.results)).resolves.toEqual([]);
  }, 120_000);

  it.skipIf(process.getuid?.() === 0)(
    'a read-only resultsDir by chmod (skipped when run as root, whom chmod does not stop writing; the test above covers root with a path under a file)',
    async () => {
      const d = await dirs();
      await mkdir(d.results, { recursive: true });
      await chmod(d.results, 0o555);
      const run = await vitest({ FX_OPTIONS: d.options() });
      await chmod(d.results, 0o755);
      expect(run.code).not.toBe(0);
      expect(run.out).toContain(`servebench() option resultsDir: cannot write to ${d.results} (EACCES`);
      noLoadRan(run.out);
    },
  );
});

describe('the CLI checks where it writes before it sends a request', () => {
  it('run and capacity with a --result-dir that cannot be written fail at once, naming the flag and the path', async () => {
    const d = await dirs();
    let requests = 0;
    const server = createServer((_req, res) => {
      requests += 1;
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const file = join(d.base, 'a-file');
    await writeFile(file, '');
    try {
      const common = ['--base-url', url, '--model', 'm', '--result-dir', join(file, 'out')];
      const run = await servebench(['run', ...common, '--num-prompts', '5', '--save-result'], d.base);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `error: --result-dir: cannot write to ${join(file, 'out')} (ENOTDIR: a part of the path is a file, not a directory)`,
      );
      expect(run.stderr).toContain('code: SB_RESULTS');
      const capacity = await servebench(['capacity', ...common, '--goodput', 'ttft:100'], d.base);
      expect(capacity.code).toBe(1);
      expect(capacity.stderr).toContain(`error: --result-dir: cannot write to ${join(file, 'out')}`);
      expect(requests).toBe(0);
    } finally {
      server.close();
    }
  });
});

describe('one output that fails loses none of the others', () => {
  it('a job summary that cannot be written and a baseline path that is a directory: everything else is written, the failures named at the end', async () => {
    const d = await dirs();
    // The 10 req/s point's baseline path is a directory: that point fails, naming it (EISDIR).
    await mkdir(baselineFile(d, '10'), { recursive: true });
    const file = join(d.base, 'a-file');
    await writeFile(file, '');
    const jobSummary = join(file, 'step-summary.md');
    const run = await vitest({ FX_OPTIONS: d.options(), GITHUB_STEP_SUMMARY: jobSummary });
    expect(run.code).toBe(1);
    expect(run.out).toContain(
      `baseline file ${baselineFile(d, '10')}: cannot read it (EISDIR: it is a directory; expected the JSON file of one experiment point)`,
    );
    expect(run.out).toMatch(/servebench: error: 1 output\(s\) could not be written \(code SB_RESULTS\)/);
    expect(run.out).toContain(`- job summary ($GITHUB_STEP_SUMMARY): ${jobSummary}: ENOTDIR`);
    // Everything else was written.
    const results = await readResults(d);
    expect(results.points.map((p) => [p.test, p.state])).toEqual([
      ['10 req/s', 'failed'],
      ['20 req/s', 'passed'],
    ]);
    expect(await readFile(join(d.results, 'summary.md'), 'utf8')).toContain(results.runId);
    expect(JSON.parse(await readFile(baselineFile(d, '20'), 'utf8')).entries).toHaveLength(1);
    expect(run.out).toMatch(/wrote 1 baseline\(s\)/);
  }, 120_000);
});

describe('a report always belongs to the run that wrote it', () => {
  async function processesMatching(marker: string): Promise<string[]> {
    const { stdout } = await exec('ps', ['-eo', 'pid,args']);
    return stdout.split('\n').filter((line) => line.includes(marker) && !line.includes('ps -eo'));
  }

  it('a server that dies mid-run keeps its raw records; a run killed mid-way leaves no older report looking current', async () => {
    const d = await dirs();
    const normal = await vitest({ FX_OPTIONS: d.options() });
    expect(normal.code, normal.out).toBe(0);
    const first = await readResults(d);
    expect(first.runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(await readFile(join(d.results, 'summary.md'), 'utf8')).toContain(`id \`${first.runId}\``);

    // The simulator exits when request 21 of the 10 req/s point arrives.
    const crash = await vitest({
      FX_OPTIONS: d.options(),
      FX_SERVER_ARGS: JSON.stringify(['--fault-crash-after', '20']),
    });
    expect(crash.code).toBe(1);
    expect(crash.out).toMatch(/server died during the load run/);
    const second = await readResults(d);
    expect(second.runId).not.toBe(first.runId);
    const point = second.points.find((p) => p.test === '10 req/s');
    expect(point?.state).toBe('failed');
    const raw = (await readFile(join(d.results, point?.rawFile ?? ''), 'utf8')).trim().split('\n');
    expect(raw).toHaveLength(40);
    // Those answered before the crash, and those that failed with it: every request is recorded.
    const ok = raw.map((line) => JSON.parse(line) as { ok: boolean }).filter((r) => r.ok).length;
    expect(ok).toBeGreaterThan(0);
    expect(ok).toBeLessThanOrEqual(20);
    // The run before it is kept aside, not mistaken for this one.
    const previous = JSON.parse(await readFile(join(d.results, 'previous', 'results.json'), 'utf8'));
    expect(previous.runId).toBe(first.runId);

    // A run killed before it could report: the last report moves aside when the run starts.
    const marker = `fx-killed-${process.pid}-${Date.now()}`;
    const child: ChildProcess = spawn(process.execPath, vitestRun, {
      cwd: fixture,
      env: { ...process.env, FX_OPTIONS: d.options(), FX_INCLUDE: 'slow.test.ts', FX_MARKER: marker, CI: '' },
      stdio: 'ignore',
    });
    const deadline = Date.now() + 30_000;
    while ((await processesMatching(marker)).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect((await readdir(d.results)).sort()).toEqual(['previous', 'raw']);
    const retired = JSON.parse(await readFile(join(d.results, 'previous', 'results.json'), 'utf8'));
    expect(retired.runId).toBe(second.runId);
  }, 180_000);
});

describe('bad arguments name the field and what was expected', () => {
  it("target 'url' without a url; an unknown SLO statistic; a negative tolerance", async () => {
    const d = await dirs();
    const url = await vitest({ FX_OPTIONS: d.options({ target: 'url' }) });
    expect(url.code).not.toBe(0);
    expect(url.out).toMatch(/url: required by target 'url': expected the running server's root URL/);
    expect(url.out).not.toMatch(/Invalid URL/);

    const slo = await vitest({ FX_OPTIONS: d.options(), FX_SLO: JSON.stringify({ ttft: { p98: 100 } }) });
    expect(slo.code).toBe(1);
    expect(slo.out).toMatch(
      /ttft: unknown statistic 'p98'; expected one of mean, median, p50, p75, p90, p95, p99, p99\.9/,
    );
    expect(slo.out).not.toMatch(/pNaN/);

    const tolerance = await vitest({
      FX_OPTIONS: d.options(),
      FX_BASELINE_OPTIONS: JSON.stringify({ tolerance: { default: -0.1 } }),
    });
    expect(tolerance.code).toBe(1);
    expect(tolerance.out).toMatch(
      /invalid toMatchBaseline\(\) options:\n\s+tolerance\.default: expected a relative change >= 0 \(0\.1 allows 10 %\), got -0\.1/,
    );
  }, 120_000);
});
