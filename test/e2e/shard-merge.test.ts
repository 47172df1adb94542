import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResultsFile } from '../../src/report/schema.ts';
import { dirs, type RunOutput, vitest } from './helpers/fixture-project.ts';

// Two fixture files, one per shard: what two CI jobs on two machines do, then a merge job.
const include = 'shard-*.test.ts';
const regressedServer = { FX_SERVER_ARGS: JSON.stringify(['--max-num-seqs', '1']) };
type Dirs = Awaited<ReturnType<typeof dirs>>;
type Env = Record<string, string>;

/** `--shard 1/2` and `--shard 2/2` at once, each with its own env, each writing a blob report. */
function shards(d: Dirs, blobs: string, env: [Env, Env], args: string[] = []): Promise<RunOutput[]> {
  return Promise.all(
    env.map((extra, i) =>
      vitest({ FX_OPTIONS: d.options(), FX_INCLUDE: include, ...extra }, [
        ...['--shard', `${i + 1}/2`, '--reporter=blob', '--reporter=default'],
        `--outputFile=${join(blobs, `shard-${i + 1}.json`)}`,
        ...args,
      ]),
    ),
  );
}

const merge = (d: Dirs, blobs: string, env: Env = {}) =>
  vitest({ FX_OPTIONS: d.options(), FX_INCLUDE: include, ...env }, ['--merge-reports', blobs]);

const readResults = async (d: Dirs): Promise<ResultsFile> =>
  JSON.parse(await readFile(join(d.results, 'results.json'), 'utf8'));

const baselineFile = (d: Dirs, experiment: string) =>
  join(d.baselines, experiment.replaceAll(' ', '-'), '16-req-s.json');

describe('sharded runs (--shard, blob reports) and one --merge-reports', () => {
  it('shards write only blob reports; the merge writes results, summary and baselines once; a regression in one shard fails the merge; -u on the shards re-records through it', async () => {
    const d = await dirs();
    const jobSummary = join(d.base, 'job-summary.md');
    await writeFile(jobSummary, '');
    const ci = { GITHUB_STEP_SUMMARY: jobSummary };

    for (const shard of await shards(d, join(d.base, 'blobs-1'), [ci, ci])) {
      expect(shard.code, shard.out).toBe(0);
      expect(shard.out).toMatch(/1 point\(s\) go into the blob report/);
    }
    // The tests wrote their raw records; the shards wrote no results, summary or baseline.
    expect(await readdir(d.results)).toEqual(['raw']);
    await expect(readdir(d.baselines)).rejects.toThrow();
    expect(await readFile(jobSummary, 'utf8')).toBe('');

    const merged = await merge(d, join(d.base, 'blobs-1'), ci);
    expect(merged.code, merged.out).toBe(0);
    expect(merged.out).toMatch(/merging the blob reports in .*blobs-1/);
    expect(merged.out).toMatch(/wrote 2 baseline\(s\)/);
    const results = await readResults(d);
    expect(results.points.map((p) => p.experiment).sort()).toEqual([
      'shard experiment a',
      'shard experiment b',
    ]);
    expect(results.points.map((p) => p.baseline?.status)).toEqual(['new', 'new']);
    expect(results.targetReason).toBe("target 'sim' configured (shards 1/2, 2/2)");
    expect(Date.parse(results.startedAt)).toBeLessThan(Date.parse(results.finishedAt));
    expect((await readdir(d.baselines)).sort()).toEqual(['shard-experiment-a', 'shard-experiment-b']);
    const summary = await readFile(join(d.results, 'summary.md'), 'utf8');
    expect(summary).toMatch(
      /## shard experiment a[\s\S]*## shard experiment b|## shard experiment b[\s\S]*## shard experiment a/,
    );
    expect((await readFile(jobSummary, 'utf8')).match(/^# servebench results$/gm)).toHaveLength(1);

    // Round 2: shard 2 runs a regressed server (same baseline key, different server under test).
    const recorded = await Promise.all(
      results.points.map((p) => readFile(baselineFile(d, p.experiment), 'utf8')),
    );
    const [, slowShard] = await shards(d, join(d.base, 'blobs-2'), [{}, regressedServer]);
    expect(slowShard?.code, slowShard?.out).toBe(1);
    const gate = await merge(d, join(d.base, 'blobs-2'));
    expect(gate.code, gate.out).toBe(1);
    expect(gate.out).toMatch(/regression against the baseline/);
    const slow = (await readResults(d)).points.find((p) => p.underTest.serverArgs.length > 0);
    expect(slow?.state).toBe('failed');
    expect(slow?.baseline?.status).toBe('regressed');
    // A failed point never writes its baseline; a matched one has nothing to write.
    expect(
      await Promise.all(results.points.map((p) => readFile(baselineFile(d, p.experiment), 'utf8'))),
    ).toEqual(recorded);

    // Round 3: -u goes to the shards, which decide what to record; the merge writes it.
    for (const shard of await shards(d, join(d.base, 'blobs-3'), [{}, regressedServer], ['-u'])) {
      expect(shard.code, shard.out).toBe(0);
    }
    const rerecorded = await merge(d, join(d.base, 'blobs-3'));
    expect(rerecorded.code, rerecorded.out).toBe(0);
    expect((await readResults(d)).points.map((p) => p.baseline?.status)).toEqual(['updated', 'updated']);
    const after = JSON.parse(await readFile(baselineFile(d, slow?.experiment ?? ''), 'utf8'));
    expect(after.entries[0].underTest.serverArgs).toEqual(['--max-num-seqs', '1']);
  }, 300_000);

  it('an SLO miss in one shard and a missing baseline under CI=true in the other: the merge fails, writes no baseline', async () => {
    const d = await dirs();
    const blobs = join(d.base, 'blobs');
    const [sloShard, ciShard] = await shards(d, blobs, [{ FX_TTFT_LIMIT: '0.001' }, { CI: 'true' }]);
    expect(sloShard?.code).toBe(1);
    expect(ciShard?.code).toBe(1);

    const gate = await merge(d, blobs);
    expect(gate.code, gate.out).toBe(1);
    expect(gate.out).toMatch(/SLO not met/);
    expect(gate.out).toMatch(/no baseline for shard experiment . › 16 req\/s on simulated:H100 x1/);
    const { points } = await readResults(d);
    expect(points.map((p) => p.state)).toEqual(['failed', 'failed']);
    expect(points.some((p) => p.slo.some((c) => !c.pass))).toBe(true);
    expect(points.some((p) => p.baseline?.status === 'missing')).toBe(true);
    await expect(readdir(d.baselines)).rejects.toThrow();
  }, 180_000);
});
