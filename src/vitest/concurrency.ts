import { join } from 'node:path';
import {
  type ConcurrencySweepSpecInput,
  concurrencySweepSpecSchema,
  sweepOwnedFields,
} from '../capacity/concurrency-spec.ts';
import { analyzeSweep, type ConcurrencySweepResult } from '../capacity/concurrency-sweep.ts';
import { type LoadProfile, loadProfileSchema } from '../config/load-profile.ts';
import { parseConfig } from '../config/parse.ts';
import { ConfigError } from '../core/errors.ts';
import { slugify } from '../core/slug.ts';
import type { LoadResult } from '../load/run-load.ts';
import type { BaselineKey } from '../report/schema.ts';
import type { ServerInfo } from '../targets/target.ts';
import { evidenceOf } from '../telemetry/schema.ts';
import type { ExperimentProfile, ServerHandle } from './api.ts';
import { assertServerAlive, experimentContext, pointMeta } from './experiment-context.ts';
import { type MeasuredRun, measuredRun, resultsDirOf } from './measured-run.ts';
import { describeProfile } from './profile-key.ts';

/** A concurrency sweep in a suite: the levels, the load each level runs, and the rules. */
export interface ConcurrencySweep extends ConcurrencySweepSpecInput {
  /**
   * The load of every level, without `arrival` and `maxConcurrency` (each level is a closed loop of
   * its concurrency). `requests` and/or `durationS` bound each level.
   */
  profile: Omit<ExperimentProfile, 'arrival' | 'maxConcurrency'>;
}

/** What `runConcurrencySweep` returns: the analysed sweep, each level's load result, and where it ran. */
export interface ConcurrencySweepExperimentResult extends ConcurrencySweepResult {
  /** Each level's load run (summary and raw records), in level order. */
  runs: LoadResult[];
  server: ServerInfo;
  key: BaselineKey;
  experiment: string;
  test: string;
}

/**
 * Runs a concurrency sweep (one test = one sweep): each level in turn as a closed loop of that many
 * users against the experiment's server, raw records saved per level, then throughput and scaling per
 * level, Little's-law checks and the saturation concurrency (capacity/concurrency-sweep.ts). Every
 * level's profile is validated before the first one runs. A server that died fails the test.
 */
export async function runConcurrencySweep(
  server: ServerHandle,
  sweep: ConcurrencySweep,
): Promise<ConcurrencySweepExperimentResult> {
  const { info, test, experiment } = experimentContext(server, 'runConcurrencySweep');
  const { profile = {} as ConcurrencySweep['profile'], ...rest } = sweep ?? ({} as ConcurrencySweep);
  for (const field of sweepOwnedFields) {
    if (profile && field in profile) {
      throw new ConfigError(
        `invalid concurrency sweep: profile.${field}: set by the sweep (each level is a closed loop of its concurrency)`,
        `remove profile.${field}; list the concurrencies in levels, e.g. levels: [1, 2, 4, 8, 16, 32]`,
      );
    }
  }
  const spec = parseConfig(concurrencySweepSpecSchema, rest, 'concurrency sweep');
  const profiles: LoadProfile[] = spec.levels.map((concurrency) =>
    parseConfig(
      loadProfileSchema,
      { model: info.model, ...profile, baseUrl: info.url, arrival: { kind: 'concurrency', concurrency } },
      'concurrency sweep profile',
    ),
  );

  const resultsDir = resultsDirOf();
  const rawDir = join('raw', slugify(experiment), slugify(test.name));
  const runs: MeasuredRun[] = [];
  for (const parsed of profiles) {
    const concurrency = parsed.arrival.kind === 'concurrency' ? parsed.arrival.concurrency : 0;
    const run = await measuredRun(info, parsed, {
      resultsDir,
      rawPath: join(rawDir, `concurrency-${concurrency}.jsonl`),
    });
    runs.push(run);
    const s = run.result.summary;
    console.log(
      `[servebench] ${experiment} › ${test.name}: concurrency ${concurrency}: ${s.output_throughput.toFixed(1)} tok/s, ` +
        `p99 TTFT ${Number(s.p99_ttft_ms ?? Number.NaN).toFixed(1)} ms${s.valid ? '' : ` (invalid: ${s.invalid_reasons.join('; ')})`}`,
    );
    await assertServerAlive(info, `concurrency ${concurrency} of the sweep`);
  }

  const analysis = analyzeSweep(
    runs.map((run, i) => ({
      concurrency: spec.levels[i] as number,
      records: run.result.records,
      summary: run.result.summary,
      rawFile: run.rawFile,
      ...evidenceOf(run),
    })),
    spec,
  );
  const first = profiles[0] as LoadProfile;
  const key: BaselineKey = {
    experiment,
    point: test.name,
    hardware: info.hardware,
    model: info.model,
    // "concurrency 1/2/4/8 · 50 requests · random · seed 0 · #hash" (the hash of the first level's load).
    profile: `concurrency ${spec.levels.join('/')} · ${describeProfile(first).split(' · ').slice(1).join(' · ')}`,
  };
  const answer = (runs[spec.levels.indexOf(analysis.saturation ?? -1)] ?? runs.at(-1))?.result;
  const meta = pointMeta({ info, test, experiment }, key, {
    x: null,
    xLabel: null,
    offeredRate: null,
    summary: answer?.summary ?? {},
    valid: runs.every((r) => r.result.summary.valid),
    invalidReasons: runs.flatMap((r, i) =>
      r.result.summary.invalid_reasons.map((reason) => `concurrency ${spec.levels[i]}: ${reason}`),
    ),
    rawFile: rawDir,
  });
  test.meta.servebench = { ...meta, concurrencySweep: analysis };
  return { ...analysis, runs: runs.map((r) => r.result), server: info, key, experiment, test: test.name };
}
