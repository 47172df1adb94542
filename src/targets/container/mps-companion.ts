import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Secrets } from '../../core/secrets.ts';
import type { GpuRequest } from './container-plan.ts';
import { describeGpus } from './container-plan.ts';
import { LABEL } from './labels.ts';
import { ReadyWaitStrategy } from './ready-wait-strategy.ts';
import { VllmContainer } from './vllm-container.ts';

/** Where MPS looks by default; the same paths in the daemon's and the server's containers. */
export const MPS_PIPE_DIR = '/tmp/nvidia-mps';
export const MPS_LOG_DIR = '/tmp/nvidia-log';

const POLL_MS = 200;

/** Resolves when `path` exists; fails on timeout or when `exited` settles first. */
export async function waitForFile(path: string, exited: Promise<Error>, timeoutMs: number): Promise<void> {
  let died: Error | null = null;
  void exited.then((e) => {
    died = e;
  });
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (existsSync(path)) return;
    if (died) throw died;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`${path} did not appear in ${(timeoutMs / 1000).toFixed(0)} s`);
}

export interface MpsContainerOptions {
  image: string;
  /** The daemon in the foreground: nvidia-cuda-mps-control -f */
  command: string[];
  gpus: GpuRequest;
  labels: Record<string, string>;
  secrets: Secrets;
}

/**
 * An MPS control daemon as a companion container: same GPUs, IPC namespace of the host, and its
 * pipe and log directories in a host directory that the server container mounts too. Ready when
 * the daemon's `control` pipe exists.
 */
export class MpsCompanion {
  /** Host directory with pipe/ and log/ (needs a local daemon: it is a bind mount). */
  readonly hostDir: string;

  private constructor(hostDir: string) {
    this.hostDir = hostDir;
  }

  static async prepare(parent = tmpdir()): Promise<MpsCompanion> {
    const dir = await mkdtemp(join(parent, 'servebench-mps-'));
    for (const sub of ['pipe', 'log']) {
      await mkdir(join(dir, sub));
      // The daemon may run as another user than this process.
      await chmod(join(dir, sub), 0o777);
    }
    return new MpsCompanion(dir);
  }

  get binds(): string[] {
    return [
      `${join(this.hostDir, 'pipe')}:${MPS_PIPE_DIR}:rw`,
      `${join(this.hostDir, 'log')}:${MPS_LOG_DIR}:rw`,
    ];
  }

  /** What the server (an MPS client) needs to find the daemon. */
  get serverEnv(): Record<string, string> {
    return { CUDA_MPS_PIPE_DIRECTORY: MPS_PIPE_DIR, CUDA_MPS_LOG_DIRECTORY: MPS_LOG_DIR };
  }

  container(options: MpsContainerOptions): VllmContainer {
    const [entrypoint = 'nvidia-cuda-mps-control', ...args] = options.command;
    const control = join(this.hostDir, 'pipe', 'control');
    return new VllmContainer(options.image)
      .withGpus(options.gpus)
      .withShm('host')
      .withBinds(this.binds)
      .withEnvironment(this.serverEnv)
      .withLabels({
        ...options.labels,
        'servebench.gpus': describeGpus(options.gpus),
        'servebench.ipc': 'host',
        [LABEL.mpsDir]: this.hostDir,
      })
      .withEntrypoint([entrypoint])
      .withCommand(args)
      .withWaitStrategy(
        new ReadyWaitStrategy(
          'MPS control daemon container',
          (exited, timeoutMs) => waitForFile(control, exited, timeoutMs),
          options.secrets,
        ),
      )
      .withStartupTimeout(60_000);
  }

  /** Best effort: files the daemon created as root may not be removable by this user. */
  async removeDir(): Promise<void> {
    await rm(this.hostDir, { recursive: true, force: true }).catch(() => {});
  }
}
