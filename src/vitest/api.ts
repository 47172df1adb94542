import { join, relative } from 'node:path';
import { beforeAll } from 'vitest';
import type { LoadProfileInput } from '../config/load-profile.ts';
import { loadProfileSchema } from '../config/load-profile.ts';
import { parseConfig } from '../config/parse.ts';
import type { ServerSpecInput } from '../config/server-spec.ts';
import { slugify } from '../core/slug.ts';
import { writeFileAtomic } from '../core/write-atomic.ts';
import { type LoadResult, runLoad as runLoadEngine } from '../load/run-load.ts';
import { jsonlChunks } from '../metrics/record-files.ts';
import { diagnose } from '../report/diagnosis.ts';
import type { Diagnosis } from '../report/diagnosis-schema.ts';
import type { BaselineKey } from '../report/schema.ts';
import { startAll } from '../runtime/supervise.ts';
import type { ServerInfo } from '../targets/target.ts';
import { GpuSampler } from '../telemetry/gpu-sampler.ts';
import { HostCpuSampler } from '../telemetry/host-cpu.ts';
import type { ServerMetrics } from '../telemetry/schema.ts';
import { ServerMetricsScraper, scrapeJsonl } from '../telemetry/server-metrics-scraper.ts';
import { clientCounts, summarizeServerMetrics } from '../telemetry/server-metrics-summary.ts';
import { simLatenessProbe } from '../telemetry/sim-lateness.ts';
import { callBroker } from './broker.ts';
import { assertServerAlive, experimentContext, pointMeta } from './experiment-context.ts';
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

  // GPU telemetry while the load runs, on the server's GPUs (never for simulated servers).
  const sampler =
    !info.simulated && info.gpus.length > 0 && process.env.SERVEBENCH_TELEMETRY !== '0'
      ? GpuSampler.start({ gpus: info.gpus })
      : null;
  // The host's CPUs while the load runs, beside the GPU telemetry (any target; 'not available' off Linux).
  const hostCpuSampler = process.env.SERVEBENCH_HOST_CPU !== '0' ? HostCpuSampler.start() : null;
  // A simulator that fell behind its own model (a busy host) makes the run invalid, not slower.
  const simProbe = info.simulated ? await simLatenessProbe(info.url, parsed) : null;
  // The server's own /metrics before, every second during and after the load (any target).
  const scraper =
    process.env.SERVEBENCH_SERVER_METRICS !== '0'
      ? await ServerMetricsScraper.start(info.url, { headers: parsed.headers })
      : null;
  let lastLog = 0;
  const result = await runLoadEngine(parsed, {
    onProgress: (p) => {
      if (p.elapsedS - lastLog < 10) return;
      lastLog = p.elapsedS;
      console.log(
        `[servebench] ${experiment} › ${test.name}: ${p.done}${p.total ? `/${p.total}` : ''} requests, ` +
          `${p.currentRate.toFixed(1)} req/s, p99 TTFT ${p.p99TtftMs.toFixed(0)} ms`,
      );
    },
  }).finally(() => Promise.all([sampler?.stop(), scraper?.stop(), hostCpuSampler?.stop()]));
  const telemetry = await sampler?.stop();
  const hostCpu = hostCpuSampler?.stop();
  const scraped = await scraper?.stop();
  const simReasons = (await simProbe?.stop()) ?? [];
  if (simReasons.length > 0) {
    result.summary.invalid_reasons.push(...simReasons);
    result.summary.valid = false;
  }

  // The raw records are kept and the point handed to the reporter before the server's health is
  // checked: a server that died mid-run fails the test, and its records still say what happened.
  const resultsDir = process.env.SERVEBENCH_RESULTS_DIR ?? 'results';
  const rawPath = join(resultsDir, 'raw', slugify(experiment), `${slugify(test.name)}.jsonl`);
  await writeFileAtomic(rawPath, jsonlChunks(result.records));
  let serverMetrics: ServerMetrics | undefined;
  if (scraped) {
    serverMetrics = summarizeServerMetrics(scraped, clientCounts(result.records));
    // The scraped samples of the known names beside the raw records; losing them loses no point.
    if (scraped.scrapes.length > 0) {
      const metricsPath = rawPath.replace(/\.jsonl$/, '.server-metrics.jsonl');
      try {
        await writeFileAtomic(metricsPath, scrapeJsonl(scraped));
        serverMetrics.rawFile = relative(resultsDir, metricsPath);
      } catch (error) {
        serverMetrics.warnings.push(
          `the scraped samples could not be written to ${metricsPath}: ${(error as Error).message}`,
        );
      }
    }
  }

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
    rawFile: relative(resultsDir, rawPath),
    telemetry,
  });
  // The bottleneck, judged from what this point measured (report/diagnosis.ts).
  const diagnosis = diagnose({ ...meta, serverMetrics, hostCpu });
  test.meta.servebench = {
    ...meta,
    ...(serverMetrics ? { serverMetrics } : {}),
    ...(hostCpu ? { hostCpu } : {}),
    diagnosis,
  };
  await assertServerAlive(info, 'the load run');
  return { ...result, server: info, key, experiment, test: test.name, diagnosis };
}
