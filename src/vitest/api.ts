import { join } from 'node:path';
import { beforeAll } from 'vitest';
import type { LoadProfileInput } from '../config/load-profile.ts';
import { loadProfileSchema } from '../config/load-profile.ts';
import { parseConfig } from '../config/parse.ts';
import type { ServerSpecInput } from '../config/server-spec.ts';
import { slugify } from '../core/slug.ts';
import type { LoadResult } from '../load/run-load.ts';
import { diagnose } from '../report/diagnosis.ts';
import type { Diagnosis } from '../report/diagnosis-schema.ts';
import type { BaselineKey } from '../report/schema.ts';
import { startAll } from '../runtime/supervise.ts';
import type { ServerInfo } from '../targets/target.ts';
import { evidenceOf } from '../telemetry/schema.ts';
import { callBroker } from './broker.ts';
import { assertServerAlive, experimentContext, pointMeta } from './experiment-context.ts';
import { measuredRun, resultsDirOf } from './measured-run.ts';
import { describeProfile } from './profile-key.ts';

/** A server declared by an experiment; its fields are filled in once `beforeAll` has run. */
export interface ServerHandle {
  /** Null until the server is ready (inside tests it always is). */
  info: ServerInfo | null;
  /**
   * Stops the server now, resolving once it is gone (its GPU memory free), for sweeps that start
   * a server per point. Without it a server is stopped when its test file ends. A later
   * `startServer` of the same spec starts a new one. Does nothing before the server is ready.
   */
  stop(): Promise<void>;
}

/** What `runLoad` returns in a suite: the load engine's result plus where it ran. */
export interface ExperimentResult extends LoadResult {
  server: ServerInfo;
  key: BaselineKey;
  experiment: string;
  test: string;
  /** The point's bottleneck, judged from what it measured (docs/diagnosis.md). */
  diagnosis: Diagnosis;
}

/**
 * Declares the server this experiment (describe block) needs; it is started (or reused) in
 * `beforeAll`, on the GPUs leased to this test file, and stopped when the file ends (before its
 * GPUs go to the next file). Call it inside `describe`.
 */
export function useServer(spec: ServerSpecInput = {}): ServerHandle {
  const handle = serverHandle(null);
  beforeAll(async () => {
    handle.info = (await startServer(spec)).info;
  });
  return handle;
}

/**
 * Starts (or reuses) a server from inside a test, for experiments whose points each need their
 * own server, such as an MPS thread-percentage sweep: `await server.stop()` after the point frees
 * the GPU for the next one (else it stays up until the test file ends).
 */
export async function startServer(spec: ServerSpecInput = {}): Promise<ServerHandle> {
  const info = await callBroker<ServerInfo>('/servers', { spec, leaseId: process.env.SERVEBENCH_LEASE_ID });
  return serverHandle(info);
}

/**
 * Starts several servers at once (side by side on the lease's GPUs). If any fails to start, the
 * ones that did start are stopped before the error is thrown: a failed start-up never leaves some
 * of them running.
 */
export function startServers(specs: readonly ServerSpecInput[]): Promise<ServerHandle[]> {
  return startAll(specs.map((spec) => startServer(spec)));
}

function serverHandle(info: ServerInfo | null): ServerHandle {
  const handle: ServerHandle = {
    info,
    stop: async () => {
      if (!handle.info) return;
      await callBroker<boolean>('/servers/stop', {
        url: handle.info.url,
        leaseId: process.env.SERVEBENCH_LEASE_ID,
      });
    },
  };
  return handle;
}

/** A load profile in a suite: the server's URL (and by default its model) come from the server. */
export type ExperimentProfile = Omit<LoadProfileInput, 'baseUrl'>;

export interface PointOptions {
  /** Value of the swept variable for tables and charts (offered rate, GPU count, MPS %...). */
  x?: number;
  xLabel?: string;
}

/**
 * Runs one load profile against the experiment's server (one test = one load point), saves the
 * raw records and hands the point to the reporter. A server that died during the run fails
 * the test with its last log lines.
 */
export async function runLoad(
  server: ServerHandle,
  profile: ExperimentProfile,
  point: PointOptions = {},
): Promise<ExperimentResult> {
  const { info, test, experiment } = experimentContext(server, 'runLoad');
  const parsed = parseConfig(
    loadProfileSchema,
    { model: info.model, ...profile, baseUrl: info.url },
    'load profile',
  );

  let lastLog = 0;
  const run = await measuredRun(info, parsed, {
    resultsDir: resultsDirOf(),
    rawPath: join('raw', slugify(experiment), `${slugify(test.name)}.jsonl`),
    onProgress: (p) => {
      if (p.elapsedS - lastLog < 10) return;
      lastLog = p.elapsedS;
      console.log(
        `[servebench] ${experiment} › ${test.name}: ${p.done}${p.total ? `/${p.total}` : ''} requests, ` +
          `${p.currentRate.toFixed(1)} req/s, p99 TTFT ${p.p99TtftMs.toFixed(0)} ms`,
      );
    },
  });
  const { result } = run;

  const key: BaselineKey = {
    experiment,
    point: test.name,
    hardware: info.hardware,
    model: info.model,
    profile: describeProfile(result.profile),
  };
  const arrival = result.profile.arrival;
  const meta = pointMeta({ info, test, experiment }, key, {
    x: point.x ?? null,
    xLabel: point.xLabel ?? null,
    offeredRate: 'rate' in arrival ? arrival.rate : null,
    summary: result.summary,
    valid: result.summary.valid,
    invalidReasons: result.summary.invalid_reasons,
    rawFile: run.rawFile,
  });
  // The bottleneck, judged from what this point measured (report/diagnosis.ts).
  const evidence = evidenceOf(run);
  const diagnosis = diagnose({ ...meta, ...evidence });
  test.meta.servebench = { ...meta, ...evidence, diagnosis };
  await assertServerAlive(info, 'the load run');
  return { ...result, server: info, key, experiment, test: test.name, diagnosis };
}
