import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { ContainerOptions } from '../../config/plugin-options.ts';
import type { ServerSpec } from '../../config/server-spec.ts';
import { Secrets } from '../../core/secrets.ts';
import { ServerStartError, type StartContext } from '../target.ts';
import { LABEL, ownerLabels } from './labels.ts';
import type { RunOwner } from './run-owner.ts';

/** Which GPUs the container asks the daemon for (DeviceRequests). */
export type GpuRequest = { kind: 'ids'; ids: string[] } | { kind: 'all' } | { kind: 'none' };

/** Everything the server container is made of; pure data, applied by VllmContainer. */
export interface ContainerPlan {
  image: string;
  entrypoint: string[] | undefined;
  cmd: string[];
  /** What is under test (recorded with results), secrets masked. */
  serverArgs: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  /** 'host:container:mode' */
  binds: string[];
  gpus: GpuRequest;
  ipcMode: 'host' | 'private' | 'shareable';
  shmSizeBytes: number | undefined;
  /** Hash of everything but the port: equal keys are interchangeable servers. */
  reuseKey: string;
  secrets: Secrets;
}

export interface PlanInput {
  spec: ServerSpec;
  options: ContainerOptions;
  context: StartContext;
  owner: RunOwner;
  image: string;
  /** The image is servebench's simulator: it also takes --gpu and the MPS share as flags. */
  simulator: boolean;
  port: number;
  bindHost: string;
  /** This process's environment, for passEnv. */
  env: Record<string, string | undefined>;
  homeDir: string;
  /** From an MPS companion: pipe/log directory env and binds. */
  mps?: { env: Record<string, string>; binds: string[] };
}

/** The GPUs a server gets: the first spec.gpus of the lease, all of them, or none. */
export function selectGpus(
  spec: ServerSpec,
  context: StartContext,
  mode: ContainerOptions['gpus'],
): GpuRequest {
  if (mode === 'none') return { kind: 'none' };
  if (mode === 'all') return { kind: 'all' };
  if (spec.gpus > context.gpus.length) {
    throw new ServerStartError(
      `the server needs ${spec.gpus} GPUs but this test file's lease has ${context.gpus.length} (${context.gpus.join(', ') || 'none'})`,
      'configure slots of more GPUs each: servebench({ gpus: [["0", "1"], ["2", "3"]] })',
    );
  }
  return { kind: 'ids', ids: context.gpus.slice(0, spec.gpus) };
}

export function describeGpus(gpus: GpuRequest): string {
  return gpus.kind === 'ids' ? gpus.ids.join(',') : gpus.kind;
}

/** Docker's DeviceRequests for a GPU request (what `docker run --gpus` sends). */
export function deviceRequests(
  gpus: GpuRequest,
): { Driver: string; DeviceIDs?: string[]; Count?: number; Capabilities: string[][] }[] {
  if (gpus.kind === 'none') return [];
  if (gpus.kind === 'all') return [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }];
  return [{ Driver: 'nvidia', DeviceIDs: gpus.ids, Capabilities: [['gpu']] }];
}

/** '16g' -> bytes (Docker's ShmSize). */
export function parseSize(size: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)b?$/i.exec(size.trim());
  if (!match) throw new Error(`not a size: '${size}' (expected e.g. '16g')`);
  const power = ' kmgt'.indexOf((match[2] || ' ').toLowerCase());
  return Math.round(Number(match[1]) * 1024 ** power);
}

/** MPS variables for the server's process (the daemon's pipe directory comes from the companion). */
export function mpsEnv(spec: ServerSpec): Record<string, string> {
  return {
    ...(spec.mpsActiveThreadPercentage
      ? { CUDA_MPS_ACTIVE_THREAD_PERCENTAGE: String(spec.mpsActiveThreadPercentage) }
      : {}),
    ...(spec.mpsPinnedDeviceMemLimit
      ? { CUDA_MPS_PINNED_DEVICE_MEM_LIMIT: spec.mpsPinnedDeviceMemLimit }
      : {}),
  };
}

export function wantsMps(spec: ServerSpec): boolean {
  return spec.mps ?? spec.mpsActiveThreadPercentage !== undefined;
}

/** Host path of the model cache ('~' expanded, absolute), or null for none. */
export function cacheDir(options: ContainerOptions, homeDir: string): string | null {
  if (options.cacheDir === false) return null;
  return resolve(options.cacheDir.replace(/^~(?=$|\/)/, homeDir));
}

export function planServer(input: PlanInput): ContainerPlan {
  const { spec, options } = input;
  const gpus = selectGpus(spec, input.context, options.gpus);
  const ipcMode = wantsMps(spec) ? 'host' : (options.ipc ?? (options.shmSize ? 'private' : 'host'));
  const shmSizeBytes = options.shmSize && ipcMode !== 'host' ? parseSize(options.shmSize) : undefined;

  const passed: Record<string, string> = {};
  for (const name of options.passEnv) {
    const value = input.env[name];
    if (value !== undefined && value !== '') passed[name] = value;
  }
  const env = { ...passed, ...spec.env, ...mpsEnv(spec), ...input.mps?.env };
  // What passEnv passed (whatever its names), this process's secret-named variables, the spec's own.
  const secrets = new Secrets(Object.values(passed)).with(
    Secrets.fromEnv(input.env),
    Secrets.of({ env, args: spec.args }),
  );

  const simFlags = input.simulator
    ? [
        '--gpu',
        spec.simGpu,
        ...(spec.mpsActiveThreadPercentage
          ? ['--mps-active-thread-percentage', String(spec.mpsActiveThreadPercentage)]
          : []),
      ]
    : [];
  const serverFlags = (port: string) => ['--model', spec.model, '--host', input.bindHost, '--port', port];
  const cmd = [...serverFlags(String(input.port)), ...simFlags, ...spec.args];
  const serverArgs = secrets.maskArgs([...(input.simulator ? simFlags.slice(2) : []), ...spec.args]);

  const cache = cacheDir(options, input.homeDir);
  const binds = [...(cache ? [`${cache}:${options.cacheMount}:rw`] : []), ...(input.mps?.binds ?? [])];

  const hostConfig = {
    gpus: describeGpus(gpus),
    ipc: ipcMode,
    shm: shmSizeBytes ?? null,
    network: 'host',
    binds,
  };
  const reuseKey = createHash('sha256')
    .update(
      JSON.stringify({
        image: input.image,
        entrypoint: options.entrypoint ?? null,
        cmd: [...serverFlags('PORT'), ...simFlags, ...spec.args],
        env: Object.entries(env).sort(),
        hostConfig,
        labels: options.labels,
      }),
    )
    .digest('hex')
    .slice(0, 24);

  const labels: Record<string, string> = {
    ...options.labels,
    ...ownerLabels(input.owner, 'server'),
    // Testcontainers' reuse hash covers create options only, not HostConfig: mirror it here.
    'servebench.image': input.image,
    'servebench.model': spec.model,
    'servebench.args': JSON.stringify(serverArgs),
    'servebench.gpus': hostConfig.gpus,
    'servebench.ipc': ipcMode,
    'servebench.shm-size': String(shmSizeBytes ?? ''),
    'servebench.network': 'host',
    'servebench.binds': binds.join(' '),
    'servebench.mps': wantsMps(spec) ? JSON.stringify(mpsEnv(spec)) : '',
    [LABEL.port]: String(input.port),
  };
  if (options.reuse && !wantsMps(spec)) {
    labels[LABEL.reuseKey] = reuseKey;
    labels[LABEL.idleTtlS] = String(options.idleTtlS);
  }
  return {
    image: input.image,
    entrypoint: options.entrypoint,
    cmd,
    serverArgs,
    env,
    labels,
    binds,
    gpus,
    ipcMode,
    shmSizeBytes,
    reuseKey,
    secrets,
  };
}
