import { join, relative } from 'node:path';
import type { LoadProfileInput } from '../config/load-profile.ts';
import { writeFileAtomic } from '../core/write-atomic.ts';
import type { Progress } from '../load/progress.ts';
import { type LoadResult, runLoad as runLoadEngine } from '../load/run-load.ts';
import { jsonlChunks } from '../metrics/record-files.ts';
import type { ServerInfo } from '../targets/target.ts';
import { GpuSampler } from '../telemetry/gpu-sampler.ts';
import { HostCpuSampler } from '../telemetry/host-cpu.ts';
import { evidenceOf, type RunEvidence, type ServerMetrics } from '../telemetry/schema.ts';
import { ServerMetricsScraper, scrapeJsonl } from '../telemetry/server-metrics-scraper.ts';
import { clientCounts, summarizeServerMetrics } from '../telemetry/server-metrics-summary.ts';
import { simLatenessProbe } from '../telemetry/sim-lateness.ts';

/** One load run with the evidence gathered beside it, its raw records saved. */
export interface MeasuredRun extends RunEvidence {
  /** The load engine's result; invalid when a simulated server fell behind its own model. */
  result: LoadResult;
  /** The raw per-request records (JSONL), relative to the results directory. */
  rawFile: string;
}

export interface MeasuredRunOptions {
  /** Results directory; `rawPath` and the returned files are relative to it. */
  resultsDir: string;
  /** Where the raw records go, relative to `resultsDir` (`raw/<experiment>/<point>.jsonl`). */
  rawPath: string;
  onProgress?: (progress: Progress) => void;
}

/**
 * Runs one load against a server the way every experiment kind does (a point, a capacity probe, a
 * sweep level): GPU telemetry, host CPU and the server's /metrics sampled while it runs, the
 * simulator's own lateness checked (a busy host makes the run invalid, not slower), and the raw
 * records plus the scraped samples written beside each other. Each sampler can be switched off
 * with its SERVEBENCH_* variable (docs/configuration.md). The caller checks the server's health
 * after it, once the records are safe.
 */
export async function measuredRun(
  info: ServerInfo,
  profile: LoadProfileInput,
  options: MeasuredRunOptions,
): Promise<MeasuredRun> {
  const sampler =
    !info.simulated && info.gpus.length > 0 && process.env.SERVEBENCH_TELEMETRY !== '0'
      ? GpuSampler.start({ gpus: info.gpus })
      : null;
  const hostCpuSampler = process.env.SERVEBENCH_HOST_CPU !== '0' ? HostCpuSampler.start() : null;
  const simProbe = info.simulated ? await simLatenessProbe(info.url, profile) : null;
  const scraper =
    process.env.SERVEBENCH_SERVER_METRICS !== '0'
      ? await ServerMetricsScraper.start(info.url, { headers: profile.headers })
      : null;
  const result = await runLoadEngine(profile, { onProgress: options.onProgress }).finally(() =>
    Promise.all([sampler?.stop(), scraper?.stop(), hostCpuSampler?.stop()]),
  );
  const telemetry = await sampler?.stop();
  const hostCpu = hostCpuSampler?.stop();
  const scraped = await scraper?.stop();
  const simReasons = (await simProbe?.stop()) ?? [];
  if (simReasons.length > 0) {
    result.summary.invalid_reasons.push(...simReasons);
    result.summary.valid = false;
  }

  const rawPath = join(options.resultsDir, options.rawPath);
  await writeFileAtomic(rawPath, jsonlChunks(result.records));
  let serverMetrics: ServerMetrics | undefined;
  if (scraped) {
    serverMetrics = summarizeServerMetrics(scraped, clientCounts(result.records));
    // The scraped samples of the known names beside the raw records; losing them loses no point.
    if (scraped.scrapes.length > 0) {
      const metricsPath = rawPath.replace(/\.jsonl$/, '.server-metrics.jsonl');
      try {
        await writeFileAtomic(metricsPath, scrapeJsonl(scraped));
        serverMetrics.rawFile = relative(options.resultsDir, metricsPath);
      } catch (error) {
        serverMetrics.warnings.push(
          `the scraped samples could not be written to ${metricsPath}: ${(error as Error).message}`,
        );
      }
    }
  }
  return {
    result,
    rawFile: relative(options.resultsDir, rawPath),
    ...evidenceOf({ telemetry, hostCpu, serverMetrics }),
  };
}

/** The results directory of this run (the plugin sets it). */
export const resultsDirOf = () => process.env.SERVEBENCH_RESULTS_DIR ?? 'results';
