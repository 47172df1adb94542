import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type Dockerode from 'dockerode';

/**
 * For the tests that need a real Docker daemon: whether one answers, the simulator image, and
 * label queries. Outside CI they skip, saying why, when no daemon answers; with CI set they run
 * (and fail without a daemon).
 */
export const SIM_IMAGE = process.env.SERVEBENCH_SIM_IMAGE ?? 'servebench-sim:local';
const buildScript = fileURLToPath(new URL('../../../scripts/build-sim-image.sh', import.meta.url));
const exec = promisify(execFile);

export interface DockerProbe {
  docker: Dockerode | null;
  /** Why the tests skip; '' when a daemon answered. */
  skipReason: string;
}

export async function probeDocker(): Promise<DockerProbe> {
  try {
    const { connectDaemon } = await import('./daemon.ts');
    return { docker: (await connectDaemon(10_000)).docker, skipReason: '' };
  } catch (error) {
    if (process.env.CI) return { docker: null, skipReason: '' };
    const skipReason = `SKIPPED: no Docker daemon reachable (${(error as Error).message})`;
    console.warn(
      `servebench container tests ${skipReason}; they run whenever a daemon answers, and always with CI set`,
    );
    return { docker: null, skipReason };
  }
}

/** Builds the simulator image unless it is up to date (scripts/build-sim-image.sh; ~2 s, 0.3 s when current). */
export async function ensureSimImage(): Promise<void> {
  await exec(buildScript, [SIM_IMAGE], { timeout: 120_000 });
}

/** Ids of containers (any state) carrying `label` ('key' or 'key=value'). */
export async function containersWith(docker: Dockerode, label: string): Promise<string[]> {
  return (await docker.listContainers({ all: true, filters: { label: [label] } })).map((c) => c.Id);
}

/** Polls until no container carries `label`, up to `timeoutMs`; returns those left. */
export async function waitUntilNone(docker: Dockerode, label: string, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let left = await containersWith(docker, label);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    left = await containersWith(docker, label);
  }
  return left;
}
