import { isAbsolute, join } from 'node:path';
import { applyEnvOverrides, type PluginOptions } from '../config/plugin-options.ts';
import { newRunId } from '../core/run-id.ts';
import { LeaseManager } from '../pool/leases.ts';
import { ResultsError } from '../report/errors.ts';
import { PREVIOUS_DIR, retirePreviousReport } from '../report/previous-report.ts';
import { sweepStraysOnce } from '../runtime/strays.ts';
import { ContainerTarget } from '../targets/container/container-target.ts';
import { ProcessTarget } from '../targets/process-target.ts';
import { Reaper } from '../targets/reaper.ts';
import { ServerManager } from '../targets/server-manager.ts';
import { SimTarget } from '../targets/sim-target.ts';
import type { Target } from '../targets/target.ts';
import { UrlTarget } from '../targets/url-target.ts';
import { detectGpus, type GpuInfo } from '../telemetry/nvidia-smi.ts';
import { Broker } from './broker.ts';
import type { RunStamp } from './meta.ts';
import type { UpdateMode } from './update-mode.ts';

/**
 * Everything the plugin owns in Vitest's main process: the chosen target, GPU slots and leases,
 * the server manager, the broker and the reaper. Created once per Vitest instance.
 */
export class RunContext {
  readonly options: PluginOptions;
  readonly target: Target;
  readonly targetReason: string;
  readonly gpus: GpuInfo[];
  readonly leases: LeaseManager;
  readonly servers: ServerManager;
  readonly resultsDir: string;
  readonly baselinesDir: string;
  readonly startedAt = new Date().toISOString();
  /** This run's id, in results.json and summary.md: a report always names the run that wrote it. */
  readonly runId = newRunId(new Date(this.startedAt));
  updateMode: UpdateMode = 'new';
  private retired: Promise<void> | null = null;
  private readonly reaper = new Reaper();
  private broker: Broker | null = null;
  private brokerUrl: Promise<string> | null = null;

  private constructor(options: PluginOptions, gpus: GpuInfo[], root: string) {
    this.options = options;
    this.gpus = gpus;
    const dirs = outputDirs(options, root);
    this.resultsDir = dirs.resultsDir;
    this.baselinesDir = dirs.baselinesDir;
    const { target, reason } = chooseTarget(options, gpus);
    this.targetReason = reason;
    this.target = this.createTarget(target);
    this.leases = new LeaseManager(slotsFor(options, gpus, target));
    this.servers = new ServerManager(this.target);
    // A server lives no longer than its test file's lease: stopped before the GPUs go to the next file.
    this.leases.onRelease((lease) => this.servers.releaseLease(lease.id));
  }

  private createTarget(kind: Target['kind']): Target {
    switch (kind) {
      case 'sim':
        return new SimTarget(this.reaper);
      case 'url':
        return new UrlTarget(this.options.url ?? '');
      case 'process':
        return new ProcessTarget(this.options.command, this.reaper, {
          ...(this.options.llamaServer ? { llamaServer: this.options.llamaServer } : {}),
        });
      case 'container':
        return new ContainerTarget({
          container: this.options.container,
          reaper: this.reaper,
          logsDir: join(this.resultsDir, 'container-logs'),
        });
    }
  }

  static async create(input: PluginOptions, root: string): Promise<RunContext> {
    const options = applyEnvOverrides(input, process.env);
    const needGpus =
      options.gpus !== 'none' &&
      (options.target === 'auto' || options.target === 'process' || options.target === 'container');
    // Servers, MPS daemons and samplers of earlier runs that died with their reaper (runtime/strays.ts).
    await sweepStraysOnce();
    return new RunContext(options, needGpus ? await detectGpus() : [], root);
  }

  get simulated(): boolean {
    return this.target.kind === 'sim';
  }

  /** Where this process runs its servers, for results.json (the reporter adds when and which shard). */
  runInfo(): Omit<RunStamp, 'finishedAt' | 'shard'> {
    return {
      target: this.target.kind,
      targetReason: this.targetReason,
      gpus: this.gpus.map((g) => `${g.index}: ${g.name} (${g.uuid})`),
      startedAt: this.startedAt,
    };
  }

  /** The broker starts on first use (a worker starting), not when the config is merely loaded. */
  ensureBroker(): Promise<string> {
    this.brokerUrl ??= (async () => {
      this.broker = new Broker({
        leases: this.leases,
        servers: this.servers,
        gpuNames: new Map(this.gpus.map((g) => [g.index, g.name])),
      });
      return this.broker.listen();
    })();
    return this.brokerUrl;
  }

  /**
   * Before the first test file of this run starts (so before any load): the previous run's report
   * moves to `<resultsDir>/previous/`, so a run that dies never leaves an older report looking current.
   */
  prepareResults(): Promise<void> {
    this.retired ??= retirePreviousReport(this.resultsDir).then(
      (moved) => {
        if (moved.length > 0)
          console.log(
            `servebench: the previous run's ${moved.join(', ')} moved to ${join(this.resultsDir, PREVIOUS_DIR)}`,
          );
      },
      (error: Error) => {
        throw new ResultsError(
          `servebench() option resultsDir: cannot move the previous run's report out of ${this.resultsDir} (${error.message})`,
          'move or remove results.json, summary.md and charts/ there yourself, or point resultsDir elsewhere',
          { cause: error },
        );
      },
    );
    return this.retired;
  }

  async workerEnv(leaseId: string, gpus: string[]): Promise<Record<string, string>> {
    await this.prepareResults();
    return {
      SERVEBENCH_BROKER_URL: await this.ensureBroker(),
      SERVEBENCH_LEASE_ID: leaseId,
      SERVEBENCH_RESULTS_DIR: this.resultsDir,
      SERVEBENCH_BASELINES_DIR: this.baselinesDir,
      SERVEBENCH_UPDATE: this.updateMode,
      SERVEBENCH_TOLERANCE: JSON.stringify(this.options.tolerance),
      ...(this.simulated ? {} : { CUDA_VISIBLE_DEVICES: gpus.join(',') }),
    };
  }

  async close(): Promise<void> {
    await this.servers.stopAll();
    await this.broker?.close();
    this.reaper.close();
  }
}

/** The results and baselines directories, absolute. */
export function outputDirs(
  options: PluginOptions,
  root: string,
): { resultsDir: string; baselinesDir: string } {
  const resolve = (p: string) => (isAbsolute(p) ? p : join(root, p));
  return { resultsDir: resolve(options.resultsDir), baselinesDir: resolve(options.baselinesDir) };
}

function chooseTarget(options: PluginOptions, gpus: GpuInfo[]): { target: Target['kind']; reason: string } {
  if (options.target !== 'auto')
    return { target: options.target, reason: `target '${options.target}' configured` };
  if (options.url) return { target: 'url', reason: 'auto: a URL was given' };
  if (gpus.length > 0)
    return { target: 'process', reason: `auto: ${gpus.length} GPU(s) found by nvidia-smi` };
  return {
    target: 'sim',
    reason: 'auto: no GPU found (nvidia-smi lists none), so the embedded simulator serves',
  };
}

function slotsFor(options: PluginOptions, gpus: GpuInfo[], target: Target['kind']): string[][] {
  // A container that asks for no GPU (a CPU image, the simulator image) needs no GPU to lease.
  const noGpu = target === 'container' && options.container.gpus === 'none' && options.gpus === 'auto';
  if (target === 'sim' || target === 'url' || noGpu) {
    return Array.from({ length: options.simSlots }, (_, i) => [`virtual${i}`]);
  }
  // Servers on the CPU: slots that hold no GPU (CUDA_VISIBLE_DEVICES is empty in their files).
  if (options.gpus === 'none') return Array.from({ length: options.simSlots }, () => []);
  if (options.gpus === 'auto') {
    if (gpus.length === 0) throw new Error(`target '${target}' needs GPUs, and nvidia-smi lists none`);
    return gpus.map((g) => [g.index]);
  }
  return options.gpus.map((slot) => (Array.isArray(slot) ? slot : [slot]));
}
