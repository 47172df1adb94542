import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ContainerOptions } from '../../config/plugin-options.ts';
import type { ServerSpec } from '../../config/server-spec.ts';
import { registerSecrets, type Secrets } from '../../core/secrets.ts';
import { freePort } from '../child-server.ts';
import { waitForHealth } from '../readiness.ts';
import type { Reaper } from '../reaper.ts';
import { type ServerInfo, ServerStartError, type StartContext, type Target } from '../target.ts';
import { listLabelled, removeContainer, sweepStale } from './cleanup.ts';
import { saveLog } from './container-logs.ts';
import {
  type ContainerPlan,
  cacheDir,
  describeGpus,
  type GpuRequest,
  planServer,
  wantsMps,
} from './container-plan.ts';
import type { Daemon } from './daemon.ts';
import {
  ContainerNotReadyError,
  ContainerTargetError,
  NvidiaRuntimeMissingError,
  TestcontainersMissingError,
} from './errors.ts';
import { HealthWaitStrategy } from './health-wait-strategy.ts';
import type { ImageInfo } from './image-info.ts';
import { type ContainerRole, LABEL, ownerLabels } from './labels.ts';
import type { MpsCompanion } from './mps-companion.ts';
import { currentOwner, type RunOwner } from './run-owner.ts';
import { attachServer, type ContainerServer } from './started-server.ts';
import type { VllmContainer } from './vllm-container.ts';

export type { ContainerServer } from './started-server.ts';

export interface ContainerTargetOptions {
  container: ContainerOptions;
  reaper: Reaper;
  /** Where each container's log is saved when its server stops (next to the results). */
  logsDir?: string;
  /** Called once a container exists, before it starts (audit trails; tests inspect it here). */
  onCreated?: (containerId: string, role: ContainerRole) => Promise<void> | void;
  /** Defaults: this process's environment (for passEnv) and home directory (for `~` in cacheDir). */
  env?: Record<string, string | undefined>;
  homeDir?: string;
}

/** What the daemon answers when it has no NVIDIA runtime (toolkit) for GPU DeviceRequests. */
const NO_NVIDIA =
  /could not select device driver "nvidia"|unknown or invalid runtime name: nvidia|nvidia-container-cli/i;

type Parts = typeof import('./docker-parts.ts');

/** Testcontainers (and through it ssh2's native build) loads only when a container is wanted. */
async function loadDockerParts(): Promise<Parts> {
  try {
    return await import('./docker-parts.ts');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND' && /'testcontainers'/.test(e.message))
      throw new TestcontainersMissingError(e.message.split('\n')[0] ?? e.message);
    throw error;
  }
}

interface Started {
  id: string;
  name: string;
}

/**
 * vLLM (or any image whose entrypoint is an OpenAI-compatible server taking vLLM's flags) in a
 * container through Testcontainers: leased GPUs, host networking, model cache, MPS companion,
 * reuse across runs, and cleanup that survives the death of this process (see ../reaper.ts).
 */
export class ContainerTarget implements Target {
  readonly kind = 'container';
  /** This run: every container carries its id as the servebench.run label. */
  readonly owner: RunOwner = currentOwner();
  private readonly options: ContainerTargetOptions;
  private ready: Promise<{ daemon: Daemon; parts: Parts }> | null = null;

  constructor(options: ContainerTargetOptions) {
    this.options = options;
  }

  /** Connects once: stale containers of dead runs are swept and the reaper is armed before any start. */
  connect(): Promise<{ daemon: Daemon; parts: Parts }> {
    this.ready ??= (async () => {
      const parts = await loadDockerParts();
      const daemon = await parts.connectDaemon();
      const removed = await sweepStale(daemon.docker, this.owner.host).catch((error: Error) => {
        process.stderr.write(`servebench: could not sweep stale containers: ${error.message}\n`);
        return [];
      });
      if (removed.length > 0)
        process.stderr.write(`servebench: removed ${removed.length} stale container(s) of earlier runs\n`);
      this.options.reaper.watchContainers(this.owner.runId);
      return { daemon, parts };
    })();
    this.ready.catch(() => {
      this.ready = null;
    });
    return this.ready;
  }

  async start(spec: ServerSpec, context: StartContext): Promise<ContainerServer> {
    const options = this.options.container;
    const { daemon, parts } = await this.connect();
    const image = await parts.ensureImage(daemon, spec.image ?? options.image, options.pullPolicy);
    const plan = (port: number, mps?: MpsCompanion) =>
      planServer({
        spec,
        options,
        context,
        owner: this.owner,
        image: image.ref,
        simulator: image.simulator,
        port,
        bindHost: daemon.bindHost,
        env: this.options.env ?? process.env,
        homeDir: this.options.homeDir ?? homedir(),
        mps: mps ? { env: mps.serverEnv, binds: mps.binds } : undefined,
      });
    // Everything but the port: GPUs (checked against the lease here), args, reuse key.
    const probe = plan(0);
    // Every file and summary this run writes masks them too (core/secrets.ts).
    registerSecrets(probe.secrets);
    const info = (port: number): ServerInfo => ({
      url: `http://${daemon.serverHost}:${port}`,
      model: spec.model,
      target: 'container',
      simulated: image.simulator,
      hardware: hardware(spec, context, probe.gpus, image),
      server: `${parts.describeImage(image)} (${parts.describeDaemon(daemon)})`,
      serverArgs: probe.serverArgs,
      gpus: gpuIds(probe.gpus, context),
    });

    const reusable = probe.labels[LABEL.reuseKey] !== undefined;
    if (reusable) {
      const found = await this.findReusable(daemon, probe.reuseKey);
      if (found)
        return this.attach(daemon, found, info(found.port), probe.secrets, { reusable, reused: true });
    }

    // Created here, so it belongs to this user rather than to the root Docker would create it as.
    const cache = cacheDir(options, this.options.homeDir ?? homedir());
    if (cache && !daemon.remote) await mkdir(cache, { recursive: true }).catch(() => {});

    const mps = wantsMps(spec) ? await this.startMps(daemon, parts, image, probe.gpus, probe.secrets) : null;
    try {
      const port = await freePort();
      const p = plan(port, mps?.companion);
      const name = this.containerName('server');
      const container = parts.VllmContainer.fromPlan(p)
        .withName(name)
        .withWaitStrategy(new HealthWaitStrategy(info(port).url, p.secrets, context.signal))
        .withStartupTimeout(spec.startupTimeoutS * 1000);
      // Testcontainers' reuse flag too (its hash covers the labels that mirror the host config).
      if (reusable) container.withReuse();
      const id = await this.launch(daemon, container, 'server', p, name);
      return await this.attach(daemon, { id, name }, info(port), p.secrets, { reusable, reused: false, mps });
    } catch (error) {
      if (mps) {
        await removeContainer(daemon.docker, mps.id).catch(() => {});
        await mps.companion.removeDir();
      }
      throw error;
    }
  }

  private containerName(role: ContainerRole): string {
    return `servebench-${this.owner.runId}-${role}-${randomUUID().slice(0, 6)}`;
  }

  private logFile(name: string): string | null {
    return this.options.logsDir ? join(this.options.logsDir, `${name}.log`) : null;
  }

  /**
   * Starts a container. A failed start leaves nothing behind (its log is saved first), and a
   * daemon without an NVIDIA runtime gives an error that says what to install.
   */
  private async launch(
    daemon: Daemon,
    container: VllmContainer,
    role: ContainerRole,
    plan: Pick<ContainerPlan, 'gpus' | 'secrets' | 'image'>,
    name: string,
  ): Promise<string> {
    let created: string | null = null;
    container.onCreated(async (id) => {
      created = id;
      await this.options.onCreated?.(id, role);
    });
    try {
      return (await container.start()).getId();
    } catch (error) {
      const logFile = this.logFile(name);
      if (error instanceof ContainerNotReadyError && logFile)
        await saveLog(logFile, error.logs).catch(() => {});
      if (created) await removeContainer(daemon.docker, created).catch(() => {});
      throw startError(error, role, daemon, plan);
    }
  }

  private async startMps(daemon: Daemon, parts: Parts, image: ImageInfo, gpus: GpuRequest, secrets: Secrets) {
    if (daemon.remote) {
      throw new ServerStartError(
        `an MPS control daemon needs a local Docker daemon (its pipe directory is a bind mount of a directory here), and the daemon is ${daemon.endpoint}`,
        'run the MPS experiment on the GPU host itself, or without MPS',
      );
    }
    const options = this.options.container;
    const companion = await parts.MpsCompanion.prepare();
    const name = this.containerName('mps');
    const container = companion
      .container({
        image: options.mpsImage ?? image.ref,
        command: options.mpsCommand,
        gpus,
        labels: { ...options.labels, ...ownerLabels(this.owner, 'mps') },
        secrets,
      })
      .withName(name);
    try {
      const id = await this.launch(daemon, container, 'mps', { gpus, secrets, image: image.ref }, name);
      return { id, name, companion };
    } catch (error) {
      await companion.removeDir();
      throw error;
    }
  }

  /** A running container of an earlier run with the same reuse key that answers /health. */
  private async findReusable(daemon: Daemon, key: string): Promise<(Started & { port: number }) | null> {
    for (const c of await listLabelled(daemon.docker, `${LABEL.reuseKey}=${key}`)) {
      const port = Number(c.Labels[LABEL.port]);
      if (c.State !== 'running' || !port) continue;
      const url = `http://${daemon.serverHost}:${port}`;
      const healthy = await waitForHealth(url, new Promise(() => {}), 3000).then(
        () => true,
        () => false,
      );
      if (healthy) return { id: c.Id, name: (c.Names[0] ?? c.Id).replace(/^\//, ''), port };
    }
    return null;
  }

  private attach(
    daemon: Daemon,
    started: Started,
    info: ServerInfo,
    secrets: Secrets,
    how: { reusable: boolean; reused: boolean; mps?: (Started & { companion: MpsCompanion }) | null },
  ): Promise<ContainerServer> {
    const idleTtlMs = this.options.container.idleTtlS * 1000;
    if (how.reusable) this.options.reaper.watchIdle(started.id, idleTtlMs);
    const mps = how.mps;
    return attachServer({
      daemon,
      id: started.id,
      info,
      secrets,
      logFile: this.logFile(started.name),
      reusable: how.reusable ? { idleTtlMs, reused: how.reused } : null,
      mps: mps
        ? { id: mps.id, logFile: this.logFile(mps.name), removeDir: () => mps.companion.removeDir() }
        : null,
    });
  }
}

function gpuIds(gpus: GpuRequest, context: StartContext): string[] {
  if (gpus.kind === 'ids') return gpus.ids;
  return gpus.kind === 'all' ? [...context.gpuNames.keys()] : [];
}

/** Baseline hardware class: the simulator's profile, GPU model x count, or cpu. */
function hardware(spec: ServerSpec, context: StartContext, gpus: GpuRequest, image: ImageInfo): string {
  if (image.simulator) return `simulated:${spec.simGpu} x${spec.gpus}`;
  if (gpus.kind === 'none') return 'cpu';
  const ids = gpuIds(gpus, context);
  const names = [...new Set(ids.map((g) => context.gpuNames.get(g) ?? 'unknown GPU'))].join('+');
  return `${names || 'unknown GPU'} x${ids.length}`;
}

function startError(
  error: unknown,
  role: ContainerRole,
  daemon: Daemon,
  plan: Pick<ContainerPlan, 'gpus' | 'secrets' | 'image'>,
): Error {
  if (error instanceof ContainerTargetError || error instanceof ServerStartError) return error;
  const message = plan.secrets.mask((error as Error).message ?? String(error));
  if (NO_NVIDIA.test(message))
    return new NvidiaRuntimeMissingError(daemon.endpoint, describeGpus(plan.gpus), message);
  return new ServerStartError(
    `could not start the ${role === 'mps' ? 'MPS control daemon' : 'server'} container from ${plan.image}: ${message}`,
    `check the image and the Docker daemon (${daemon.endpoint}); \`docker ps -a --filter label=${LABEL.run}\` lists servebench containers`,
  );
}
