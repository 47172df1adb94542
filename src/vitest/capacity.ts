import { join } from 'node:path';
import type { BaselineEntry } from '../baseline/entry.ts';
import { BaselineError, lookupEntry, withHint } from '../baseline/store.ts';
import {
  type CapacityRunOptions,
  confirmAnswer,
  findCapacity,
  type ProbeRunner,
} from '../capacity/find-capacity.ts';
import type { CapacityResult } from '../capacity/result.ts';
import {
  type CapacitySearchInput,
  type CapacitySloInput,
  capacitySearchSchema,
  capacitySloSchema,
  type ProbeBaseInput,
  probeBaseSchema,
} from '../capacity/spec.ts';
import { parseConfig } from '../config/parse.ts';
import { slugify } from '../core/slug.ts';
import { diagnose } from '../report/diagnosis.ts';
import type { BaselineKey } from '../report/schema.ts';
import type { ServerInfo } from '../targets/target.ts';
import { evidenceOf } from '../telemetry/schema.ts';
import type { ServerHandle } from './api.ts';
import { baselineFileOf, baselineUpdateMode } from './baseline-run.ts';
import { assertServerAlive, experimentContext, pointMeta } from './experiment-context.ts';
import { measuredRun, resultsDirOf } from './measured-run.ts';
import { describeCapacity } from './profile-key.ts';

/** A capacity experiment in a suite: the load every probe shares, the SLO, and how to search. */
export interface CapacityExperiment {
  /** The load of every probe, without arrival and count (the search sets those). */
  profile?: Omit<ProbeBaseInput, 'baseUrl'>;
  slo: CapacitySloInput;
  search?: CapacitySearchInput;
  /**
   * With a recorded baseline (and no `-u`): `confirm` probes the SLO at the baseline's
   * max_passing (and at its min_failing, to notice an improvement) instead of searching;
   * `search` always searches. Default `confirm`; SERVEBENCH_CAPACITY=search overrides it.
   */
  gate?: 'confirm' | 'search';
}

/** What `runCapacity` returns: the capacity answer plus where it ran. */
export interface CapacityExperimentResult extends CapacityResult {
  server: ServerInfo;
  key: BaselineKey;
  experiment: string;
  test: string;
  /** The baseline's answer this run was confirmed against, or null when it searched. */
  confirmedAgainst: { max_passing: number | null; min_failing: number | null } | null;
}

/**
 * Finds the largest load the experiment's server holds while meeting the SLO (one test = one
 * capacity experiment). With a recorded baseline it only confirms the baseline's answer, which
 * is what a pull request needs to know and takes two probes instead of a search.
 */
export async function runCapacity(
  server: ServerHandle,
  experimentSpec: CapacityExperiment,
): Promise<CapacityExperimentResult> {
  const { info, test, experiment } = experimentContext(server, 'runCapacity');
  const base = parseConfig(
    probeBaseSchema,
    { model: info.model, ...experimentSpec.profile, baseUrl: info.url },
    'capacity profile',
  );
  const slo = parseConfig(capacitySloSchema, experimentSpec.slo, 'capacity SLO');
  const search = parseConfig(capacitySearchSchema, experimentSpec.search ?? {}, 'capacity search');
  const key: BaselineKey = {
    experiment,
    point: test.name,
    hardware: info.hardware,
    model: info.model,
    profile: describeCapacity(base, slo, search),
  };

  const rawDir = join('raw', slugify(experiment), slugify(test.name));
  const options: CapacityRunOptions = {
    runProbe: capacityProbeRunner(info, rawDir),
    onProbe: (p) =>
      console.log(
        `[servebench] ${experiment} › ${test.name}: probe ${p.index} (${p.phase}) at ${Number(p.load.toPrecision(4))} ${unitOf(search.variable)}: ${p.verdict}` +
          (p.objectives.length > 0
            ? ` (${p.objectives.map((o) => `${o.objective} ${o.measured.toFixed(3)} [${o.ci[0].toFixed(3)}, ${o.ci[1].toFixed(3)}]`).join(', ')})`
            : ''),
      ),
  };

  const recorded = await recordedAnswer(key);
  const gate = process.env.SERVEBENCH_CAPACITY === 'search' ? 'search' : (experimentSpec.gate ?? 'confirm');
  const confirming = recorded !== null && recorded.max_passing !== null && gate === 'confirm';
  const result = confirming
    ? await confirmAnswer(base, slo, search, recorded, options)
    : await findCapacity(base, slo, search, options);

  const answer = answerProbe(result) ?? result.probes.at(-1);
  const meta = pointMeta({ info, test, experiment }, key, {
    x: null,
    xLabel: null,
    offeredRate: null,
    summary: answer?.summary ?? {},
    valid: result.probes.some((p) => p.verdict !== 'invalid'),
    invalidReasons: result.probes.every((p) => p.verdict === 'invalid')
      ? [...new Set(result.probes.flatMap((p) => p.invalidReasons))]
      : [],
    rawFile: rawDir,
    capacity: result,
  });
  // What limited the server at the answer, judged from that probe's evidence (report/diagnosis.ts).
  const evidence = answer ? evidenceOf(answer) : {};
  test.meta.servebench = { ...meta, ...evidence, diagnosis: diagnose({ ...meta, ...evidence }) };
  return {
    ...result,
    server: info,
    key,
    experiment,
    test: test.name,
    confirmedAgainst: confirming ? recorded : null,
  };
}

/** The probe whose summary stands for the answer: the one at max_passing, else the last. */
function answerProbe(result: CapacityResult) {
  return result.probes.findLast((p) => p.verdict === 'pass' && p.load === result.max_passing);
}

/**
 * The baseline entry recorded for this key, which a pull request confirms instead of searching
 * again; none under `-u`, which searches and re-records.
 */
export async function recordedEntry(key: BaselineKey): Promise<BaselineEntry | null> {
  if (baselineUpdateMode() === 'all') return null;
  const lookup = await lookupEntry(baselineFileOf(key), key, 'new').catch((error: unknown) => {
    throw error instanceof BaselineError ? withHint(error) : error;
  });
  return lookup.entry ?? null;
}

/** The recorded capacity answer for this key, if a baseline holds one. */
async function recordedAnswer(
  key: BaselineKey,
): Promise<{ max_passing: number | null; min_failing: number | null } | null> {
  const capacity = (await recordedEntry(key))?.capacity;
  return capacity ? { max_passing: capacity.max_passing, min_failing: capacity.min_failing } : null;
}

/**
 * Each probe is a measured run (measured-run.ts) against the experiment's server: raw records
 * saved, the server's /metrics and the host's CPUs kept on the probe, invalid when a simulated
 * server fell behind its model; the test fails when the server died during it.
 */
export function capacityProbeRunner(info: ServerInfo, rawDir: string): ProbeRunner {
  let runs = 0;
  return async (profile, probe) => {
    runs += 1;
    const run = await measuredRun(info, profile, {
      resultsDir: resultsDirOf(),
      rawPath: join(rawDir, `probe-${runs}-${probe.phase}-${probe.load}.jsonl`),
    });
    await assertServerAlive(info, 'a capacity probe');
    return { ...run, invalidReasons: [] };
  };
}

const unitOf = (variable: CapacityResult['variable']) =>
  variable === 'request-rate' ? 'req/s' : 'concurrent requests';
