import { parseConfig } from '../config/parse.ts';
import { runLoad } from '../load/run-load.ts';
import { adaptiveCapacity } from './adaptive.ts';
import { type ProbeRunner, ProbeSession } from './probe-session.ts';
import type { CapacityProbe, CapacityResult } from './result.ts';
import { capacityResult, driveSearch } from './run-search.ts';
import type { SearchPolicy } from './search.ts';
import {
  type CapacitySearch,
  type CapacitySearchInput,
  type CapacitySlo,
  type CapacitySloInput,
  capacitySearchSchema,
  capacitySloSchema,
  type ProbeBaseInput,
  probeBaseSchema,
} from './spec.ts';

export type { ProbeRun, ProbeRunner } from './probe-session.ts';

export interface CapacityRunOptions {
  /** Runs one load run; default: the load engine's runLoad (src/load/run-load.ts) with rawFile null. */
  runProbe?: ProbeRunner;
  /** Called after every load run with the probe as judged so far (progress lines, reports). */
  onProbe?: (probe: CapacityProbe) => void;
  signal?: AbortSignal;
}

interface Inputs {
  base: ProbeBaseInput;
  slo: CapacitySlo;
  search: CapacitySearch;
}

/** Validates the three inputs, naming any bad field; the base profile is passed on as given. */
function parseInputs(base: ProbeBaseInput, slo: CapacitySloInput, search: CapacitySearchInput): Inputs {
  parseConfig(probeBaseSchema, base, 'capacity profile');
  return {
    base,
    slo: parseConfig(capacitySloSchema, slo, 'capacity SLO'),
    search: parseConfig(capacitySearchSchema, search, 'capacity search'),
  };
}

function session({ base, slo, search }: Inputs, options: CapacityRunOptions): ProbeSession {
  const runProbe: ProbeRunner =
    options.runProbe ??
    (async (profile) => ({ result: await runLoad(profile, { signal: options.signal }), rawFile: null }));
  return new ProbeSession(base, slo, search, { runProbe, onProbe: options.onProbe, signal: options.signal });
}

/** The policy fields every mode shares; a concurrency is an integer of at least 1. */
function basePolicy(search: CapacitySearch, first: number) {
  const concurrency = search.variable === 'concurrency';
  return {
    variable: search.variable,
    first: concurrency ? Math.max(1, Math.round(first)) : Number(first.toPrecision(4)),
    max: concurrency ? Math.max(1, Math.floor(search.max)) : search.max,
    precision: search.precision,
    maxProbes: search.maxProbes,
  };
}

/**
 * The largest load the server holds while meeting the SLO (docs/capacity.md). `search` mode: for
 * request rate a saturating probe first (its throughput T sets the scale: probes start at 0.5 T,
 * then 1.1 T), for concurrency doubling from `start` (default 1); then the bracket
 * [max_passing, min_failing] is refined to `precision`. `adaptive` mode: back-to-back windows
 * from `start` (adaptive.ts). Every load run is bounded and recorded in `probes`.
 */
export async function findCapacity(
  base: ProbeBaseInput,
  slo: CapacitySloInput,
  search: CapacitySearchInput,
  options: CapacityRunOptions = {},
): Promise<CapacityResult> {
  const inputs = parseInputs(base, slo, search);
  const s = inputs.search;
  const probes = session(inputs, options);
  if (s.mode === 'adaptive') return adaptiveCapacity(probes, inputs.slo, s, basePolicy(s, s.start ?? 1));

  const saturation = s.variable === 'request-rate' ? await probes.saturate() : null;
  const policy: SearchPolicy = {
    ...basePolicy(s, saturation !== null ? 0.5 * saturation : (s.start ?? 1)),
    growth: 2,
    saturation,
    interpolate: true,
  };
  const outcomes: Parameters<typeof driveSearch>[2] = [];
  // A saturating probe that could not be trusted counts as an invalid load: one more invalid load
  // after it ends the search (search.ts) rather than halving towards ever longer probes.
  const saturate = probes.probes.filter((p) => p.phase === 'saturate');
  if (saturation === null && saturate.length > 0 && saturate.every((p) => p.verdict === 'invalid')) {
    outcomes.push({
      point: { load: saturate.at(-1)?.load ?? 0, verdict: 'invalid', margin: null },
      knee: null,
    });
  }
  const stop = await driveSearch(probes, policy, outcomes);
  return capacityResult(s.variable, 'search', inputs.slo, stop, outcomes, probes);
}

/** One probe (with extensions) at `load`: mode 'confirm', stop_reason 'confirmed' | 'not-confirmed' | 'unresolved'. Used by the CI gate at the baseline's max_passing. */
export async function confirmCapacity(
  base: ProbeBaseInput,
  slo: CapacitySloInput,
  search: CapacitySearchInput,
  load: number,
  options: CapacityRunOptions = {},
): Promise<CapacityResult> {
  const inputs = parseInputs(base, slo, search);
  const probes = session(inputs, options);
  const outcome = await probes.probe(load, 'confirm');
  const verdict = outcome?.point.verdict;
  // An invalid probe (twice) confirms nothing either way.
  const stop = verdict === 'pass' ? 'confirmed' : verdict === 'fail' ? 'not-confirmed' : 'unresolved';
  return capacityResult(
    inputs.search.variable,
    'confirm',
    inputs.slo,
    stop,
    outcome ? [outcome] : [],
    probes,
  );
}

/**
 * The CI gate on a recorded answer: confirms its max_passing; when that holds and the answer has a
 * min_failing, probes it too: passing there is an improvement. stop_reason is the first probe's
 * ('not-confirmed': a regression; 'unresolved': undecided at its length cap).
 */
export async function confirmAnswer(
  base: ProbeBaseInput,
  slo: CapacitySloInput,
  search: CapacitySearchInput,
  recorded: { max_passing: number | null; min_failing: number | null },
  options: CapacityRunOptions = {},
): Promise<CapacityResult> {
  if (recorded.max_passing === null) throw new TypeError('confirmAnswer needs a recorded max_passing');
  const atMax = await confirmCapacity(base, slo, search, recorded.max_passing, options);
  if (atMax.stop_reason !== 'confirmed' || recorded.min_failing === null) return atMax;
  const atMin = await confirmCapacity(base, slo, search, recorded.min_failing, options);
  const probes = [...atMax.probes, ...atMin.probes].map((p, i) => ({ ...p, index: i + 1 }));
  const improved = atMin.stop_reason === 'confirmed';
  return {
    ...atMax,
    max_passing: improved ? recorded.min_failing : atMax.max_passing,
    min_failing: improved ? null : atMin.stop_reason === 'not-confirmed' ? recorded.min_failing : null,
    probes,
  };
}
