import { join } from 'node:path';
import { z } from 'zod';
import { describeSlo } from '../capacity/describe-slo.ts';
import { confirmAnswer, findCapacity } from '../capacity/find-capacity.ts';
import { judgeProbe } from '../capacity/judge.ts';
import type { CapacityProbe, CapacityResult } from '../capacity/result.ts';
import {
  analyzeServerSweep,
  defaultReference,
  ELBOW_RULES,
  type ElbowRule,
  type PublishedSweep,
  publishedSweepSchema,
  SERVER_SWEEP_KINDS,
  type ServerSweepResult,
  type ServerSweepRun,
} from '../capacity/server-sweep.ts';
import {
  type CapacitySearchInput,
  type CapacitySloInput,
  capacitySearchSchema,
  capacitySloSchema,
} from '../capacity/spec.ts';
import { type LoadProfile, loadProfileSchema } from '../config/load-profile.ts';
import { parseConfig } from '../config/parse.ts';
import { type ServerSpecInput, serverSpecSchema } from '../config/server-spec.ts';
import { ConfigError } from '../core/errors.ts';
import { slugify } from '../core/slug.ts';
import type { BaselineKey, UnderTest } from '../report/schema.ts';
import type { ServerInfo } from '../targets/target.ts';
import { evidenceOf } from '../telemetry/schema.ts';
import { type ExperimentProfile, startServer } from './api.ts';
import { capacityProbeRunner, recordedEntry } from './capacity.ts';
import { assertServerAlive, currentTest, pointMeta, underTestOf } from './experiment-context.ts';
import { measuredRun, resultsDirOf } from './measured-run.ts';
import { describeProfile } from './profile-key.ts';

/** Points one sweep may hold: each starts a server and runs at least one load. */
export const MAX_SERVER_SWEEP_POINTS = 32;

const sweepShape = z.strictObject({
  kind: z.enum(SERVER_SWEEP_KINDS),
  xLabel: z.string().min(1).optional(),
  reference: z.number().optional(),
  points: z
    .array(z.strictObject({ x: z.number(), label: z.string().min(1).optional(), server: z.unknown() }), {
      error:
        'must be an array of { x, server } points, e.g. [{ x: 20, server: { mpsActiveThreadPercentage: 20 } }]',
    })
    .min(1, { error: 'must list at least one point' })
    .max(MAX_SERVER_SWEEP_POINTS, { error: `must list at most ${MAX_SERVER_SWEEP_POINTS} points` })
    .refine((points) => new Set(points.map((p) => p.x)).size === points.length, {
      error: 'must not repeat an x value',
    }),
  load: z.record(z.string(), z.unknown(), { error: 'must be the load profile every point runs' }),
  slo: z.unknown().optional(),
  capacity: z
    .strictObject({ search: z.unknown().optional(), gate: z.enum(['confirm', 'search']).optional() })
    .optional(),
  published: publishedSweepSchema.optional(),
  elbow: z.enum(ELBOW_RULES).optional(),
});

/** A server sweep in a suite: the servers, the load each runs, and what to judge. */
export interface ServerSweep {
  /** `mps` (elbow, ratios to 100 %), `scaling` (efficiency vs the fewest GPUs) or `arguments`. */
  kind: (typeof SERVER_SWEEP_KINDS)[number];
  /** The swept variable as tables and charts name it (default by kind). */
  xLabel?: string;
  /** One server per point; `x` is the swept value (MPS %, GPU count, the argument's value). */
  points: Array<{ x: number; label?: string; server: ServerSpecInput }>;
  /** The fixed load every point runs: latency and throughput at a common load. */
  load: ExperimentProfile;
  /** Judges the fixed load (attainment and percentile objectives, with intervals): sets the elbow. */
  slo?: CapacitySloInput;
  /**
   * Also search each point's capacity under `slo` (required then): sets scaling efficiency. With a
   * recorded baseline (and no `-u`), `gate: 'confirm'` (the default) only confirms each point's
   * recorded bracket, as `runCapacity` does (a probe or two instead of a search); `search` always
   * searches. SERVEBENCH_CAPACITY=search overrides it.
   */
  capacity?: { search?: CapacitySearchInput; gate?: 'confirm' | 'search' };
  /** x of the point ratios are relative to (default: 100 % for mps, the fewest GPUs for scaling, else the first). */
  reference?: number;
  /** Figures published for the same study, shown beside the sweep's own (ratios to the reference). */
  published?: PublishedSweep;
  /**
   * `least` (default): larger x makes the SLO easier (MPS share, GPUs), the elbow is the least x
   * that holds it; `greatest`: larger x makes it harder (model size), the greatest x that holds it.
   */
  elbow?: ElbowRule;
}

/** What `runServerSweep` returns: the analysed sweep and where it ran. */
export interface ServerSweepExperimentResult extends ServerSweepResult {
  key: BaselineKey;
  /** The reference point's server, as a baseline records what was under test. */
  underTest: UnderTest;
  experiment: string;
  test: string;
}

const defaultXLabel = {
  mps: 'MPS active thread %',
  scaling: 'GPUs',
  arguments: 'server argument',
} as const;

const defaultLabel = (kind: ServerSweep['kind'], x: number) =>
  kind === 'mps' ? `${x} %` : kind === 'scaling' ? `${x} GPU${x === 1 ? '' : 's'}` : String(x);

/**
 * Runs a server sweep (one test = one sweep): for each point in turn, starts its server on the
 * test file's GPUs, runs the fixed load (a measured run: raw records, server metrics, host CPU,
 * GPU telemetry), judges it against the SLO, optionally searches its capacity, then stops the
 * server before the next point starts, so each point has the GPUs to itself. Everything is
 * validated before the first server starts. A server that dies fails the test.
 */
export async function runServerSweep(sweep: ServerSweep): Promise<ServerSweepExperimentResult> {
  const { test, experiment } = currentTest('runServerSweep');
  const { shape, specs, slo, search, confidence, referenceX, published, loadOf } = parseServerSweep(sweep);
  const loadCheck = loadOf({ url: 'http://127.0.0.1:1', model: 'model' });

  const keyOf = (info: ServerInfo): BaselineKey => ({
    experiment,
    point: test.name,
    hardware: info.hardware,
    model: info.model,
    // The points are not part of the key: a baseline judges the points it shares with the sweep
    // and reports those added or removed (vitest/server-sweep-baseline.ts).
    profile: `${shape.kind} sweep · ${describeProfile(loadOf(info))}`,
  });
  const gate = process.env.SERVEBENCH_CAPACITY === 'search' ? 'search' : (shape.capacity?.gate ?? 'confirm');
  // The recorded brackets a pull request confirms instead of searching (looked up once a server
  // says which hardware this is).
  let recorded: Map<number, { max_passing: number | null; min_failing: number | null }> | null = null;

  const resultsDir = resultsDirOf();
  const rawDir = join('raw', slugify(experiment), slugify(test.name));
  const runs: ServerSweepRun[] = [];
  let referenceInfo: ServerInfo | null = null;
  for (const [i, point] of shape.points.entries()) {
    const label = point.label ?? defaultLabel(shape.kind, point.x);
    const server = await startServer(specs[i]);
    try {
      const info = server.info as ServerInfo;
      if (point.x === referenceX) referenceInfo = info;
      const profile = loadOf(info);
      const run = await measuredRun(info, profile, {
        resultsDir,
        rawPath: join(rawDir, `${shape.kind}-${slugify(label)}.jsonl`),
      });
      await assertServerAlive(info, `the load of ${label}`);
      const measured = run.result.records.filter((r) => !r.warmup);
      const sloJudged = slo ? judgeProbe(measured, slo, confidence) : null;
      let capacity: CapacityResult | null = null;
      if (slo && search) {
        recorded ??= gate === 'confirm' ? await recordedBrackets(keyOf(info)) : new Map();
        const options = {
          runProbe: capacityProbeRunner(info, join(rawDir, `${shape.kind}-${slugify(label)}-capacity`)),
          onProbe: (p: CapacityProbe) =>
            console.log(
              `[servebench] ${experiment} › ${test.name}: ${label}: probe ${p.index} (${p.phase}) at ${Number(p.load.toPrecision(4))}: ${p.verdict}`,
            ),
        };
        const bracket = recorded.get(point.x);
        capacity =
          bracket && bracket.max_passing !== null
            ? await confirmAnswer(profileBase(profile), slo, search, bracket, options)
            : await findCapacity(profileBase(profile), slo, search, options);
      }
      runs.push({
        x: point.x,
        label,
        gpus: specs[i]?.gpus ?? info.gpus.length,
        serverArgs: info.serverArgs,
        summary: run.result.summary,
        // An invalid run judges nothing: its point is 'undecided' and never an elbow.
        slo: !sloJudged ? null : run.result.summary.valid ? sloJudged.verdict : 'undecided',
        objectives: sloJudged?.objectives ?? [],
        capacity,
        rawFile: run.rawFile,
        ...evidenceOf(run),
      });
      const s = run.result.summary;
      console.log(
        `[servebench] ${experiment} › ${test.name}: ${label}: ${s.request_throughput.toFixed(2)} req/s, ` +
          `mean TTFT ${Number(s.mean_ttft_ms ?? Number.NaN).toFixed(1)} ms` +
          (sloJudged ? `, SLO ${sloJudged.verdict}` : '') +
          (capacity ? `, capacity ${capacity.max_passing ?? 'none'}` : ''),
      );
    } finally {
      await server.stop();
    }
  }

  const analysis = analyzeServerSweep(runs, {
    kind: shape.kind,
    xLabel: shape.xLabel ?? defaultXLabel[shape.kind],
    load: describeProfile(loadCheck).split(' · #')[0] ?? '',
    slo: slo ? describeSlo(slo) : null,
    reference: referenceX,
    published: published ?? null,
    ...(shape.elbow ? { elbowRule: shape.elbow } : {}),
  });
  const info = referenceInfo as ServerInfo;
  const key = keyOf(info);
  const answer = analysis.points.find((p) => p.x === (analysis.elbow ?? referenceX));
  const answerRun = runs.find((r) => r.x === answer?.x);
  const meta = pointMeta({ info, test, experiment }, key, {
    x: null,
    xLabel: null,
    offeredRate: null,
    summary: answerRun?.summary ?? {},
    valid: analysis.points.every((p) => p.valid),
    invalidReasons: analysis.points.flatMap((p) => p.invalidReasons.map((r) => `${p.label}: ${r}`)),
    rawFile: rawDir,
  });
  test.meta.servebench = { ...meta, serverSweep: analysis };
  return { ...analysis, key, underTest: underTestOf(info), experiment, test: test.name };
}

/**
 * Everything a sweep needs, checked before any server starts: its shape, each point's server spec,
 * the SLO and search, the reference point, the published figures, and the load (parsed per server;
 * `runServerSweep` checks it once against a placeholder URL first).
 */
function parseServerSweep(sweep: ServerSweep) {
  const shape = parseConfig(sweepShape, sweep, 'server sweep');
  const specs = shape.points.map((p, i) =>
    parseConfig(serverSpecSchema, p.server ?? {}, `server sweep points[${i}].server`),
  );
  const slo = shape.slo === undefined ? null : parseConfig(capacitySloSchema, shape.slo, 'server sweep slo');
  if (shape.capacity && !slo) {
    throw new ConfigError(
      'invalid server sweep: capacity: needs slo (the SLO each point is searched under)',
      'add slo, e.g. slo: { goodput: { ttft: 200 }, attainment: 0.9 }',
    );
  }
  const search = shape.capacity
    ? parseConfig(capacitySearchSchema, shape.capacity.search ?? {}, 'server sweep capacity.search')
    : null;
  // The fixed load is judged with the intervals a capacity probe gets (the search's confidence).
  const { confidence } = search ?? capacitySearchSchema.parse({});
  if (shape.reference !== undefined && !shape.points.some((p) => p.x === shape.reference)) {
    throw new ConfigError(
      `invalid server sweep: reference: ${shape.reference} is not the x of any point`,
      `use one of ${shape.points.map((p) => p.x).join(', ')}`,
    );
  }
  const referenceX =
    shape.reference ??
    defaultReference(
      shape.kind,
      shape.points.map((p) => p.x),
    );
  const published = shape.published;
  if (published) {
    const xs = new Set(shape.points.map((p) => p.x));
    const stray = published.points.find((p) => !xs.has(p.x));
    if (stray)
      throw new ConfigError(
        `invalid server sweep: published.points: x ${stray.x} is not a point of the sweep`,
        `publish figures for the sweep's points: ${[...xs].join(', ')}`,
      );
    if (!published.points.some((p) => p.x === referenceX))
      throw new ConfigError(
        `invalid server sweep: published.points: needs the reference point (x ${referenceX}): the figures are compared as ratios to it`,
        `add the published figures at x ${referenceX}, or set reference to a point they have`,
      );
  }
  const loadOf = (info: Pick<ServerInfo, 'url' | 'model'>): LoadProfile =>
    parseConfig(
      loadProfileSchema,
      { model: info.model, ...shape.load, baseUrl: info.url },
      'server sweep load',
    );
  return { shape, specs, slo, search, confidence, referenceX, published, loadOf };
}

/** The capacity search's base profile: the fixed load without its arrival and count. */
function profileBase(profile: LoadProfile) {
  const { arrival: _arrival, requests: _requests, durationS: _durationS, ...base } = profile;
  return base;
}

/** Each point's recorded capacity bracket in the baseline for this key (none under `-u`). */
async function recordedBrackets(
  key: BaselineKey,
): Promise<Map<number, { max_passing: number | null; min_failing: number | null }>> {
  const points = (await recordedEntry(key))?.serverSweep?.points ?? [];
  return new Map(points.flatMap((p) => (p.capacity ? [[p.x, p.capacity] as const] : [])));
}
