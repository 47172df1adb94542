import type Dockerode from 'dockerode';
import type { Secrets } from '../../core/secrets.ts';
import type { RunningServer, ServerInfo } from '../target.ts';
import { removeContainer } from './cleanup.ts';
import { followContainerLog, readContainerLog, saveLog } from './container-logs.ts';
import { ContainerWatch, describeExit } from './container-watch.ts';
import type { Daemon } from './daemon.ts';
import { touchHeartbeat } from './reuse-heartbeat.ts';

/** A server in a container: the RunningServer contract plus its container and saved log. */
export interface ContainerServer extends RunningServer {
  readonly containerId: string;
  /** Started by an earlier run and reused. */
  readonly reused: boolean;
  /** Where stop() saves the container's log (secrets masked); null when no logsDir was given. */
  readonly logFile: string | null;
  /** Writes the container's whole log so far, secrets masked. */
  saveLogs(path: string): Promise<void>;
}

export interface AttachOptions {
  daemon: Daemon;
  id: string;
  info: ServerInfo;
  secrets: Secrets;
  logFile: string | null;
  /** Reusable containers outlive stop(); their last use is kept for the idle TTL. */
  reusable: { idleTtlMs: number; reused: boolean } | null;
  /** The MPS companion, stopped after the server. */
  mps: { id: string; logFile: string | null; removeDir: () => Promise<void> } | null;
}

/** Seconds Docker waits after SIGTERM before SIGKILL when a server is stopped. */
const STOP_GRACE_S = 10;

/** Follows a started container's log and exit, and stops (or, when reusable, releases) it. */
export async function attachServer(options: AttachOptions): Promise<ContainerServer> {
  const { daemon, id, secrets } = options;
  const container = daemon.docker.getContainer(id);
  const log = await followContainerLog(daemon.client, container, secrets);
  const watch = new ContainerWatch(container);
  // The server cannot work without its MPS control daemon: either one exiting ends it.
  const mpsWatch = options.mps ? new ContainerWatch(daemon.docker.getContainer(options.mps.id)) : null;
  let stopped: (e: Error) => void = () => {};
  const exited = Promise.race([
    watch.exited.then((exit) => new Error(`server ${describeExit(exit)}`)),
    ...(mpsWatch
      ? [mpsWatch.exited.then((exit) => new Error(`MPS control daemon ${describeExit(exit)}`))]
      : []),
    new Promise<Error>((resolve) => {
      stopped = resolve;
    }),
  ]);

  // A reusable container's last use, refreshed while this run holds it.
  let heartbeat: NodeJS.Timeout | null = null;
  if (options.reusable) {
    await touchHeartbeat(id);
    const every = Math.max(1000, options.reusable.idleTtlMs / 3);
    heartbeat = setInterval(() => void touchHeartbeat(id).catch(() => {}), every).unref();
  }

  const saveLogs = async (path: string) => saveLog(path, await readContainerLog(container, secrets));
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      stopped(new Error('stopped'));
      watch.close();
      mpsWatch?.close();
      if (heartbeat) clearInterval(heartbeat);
      if (options.logFile) await saveLogs(options.logFile).catch(() => {});
      log.close();
      if (options.reusable) {
        await touchHeartbeat(id).catch(() => {});
      } else {
        await container.stop({ t: STOP_GRACE_S }).catch(() => {});
        await removeContainer(daemon.docker, id);
      }
      if (options.mps) {
        const mps = daemon.docker.getContainer(options.mps.id);
        if (options.mps.logFile)
          await saveLog(options.mps.logFile, await readContainerLog(mps, secrets)).catch(() => {});
        await quitMps(daemon, mps);
        await removeContainer(daemon.docker, options.mps.id);
        await options.mps.removeDir();
      }
    })();
    return stopping;
  };

  return {
    info: options.info,
    containerId: id,
    reused: options.reusable?.reused ?? false,
    logFile: options.logFile,
    logs: () => log.tail.tail(),
    exited,
    stop,
    saveLogs,
  };
}

/** How long the MPS control daemon gets to quit (its clients are gone by then) before it is killed. */
const MPS_QUIT_MS = 5000;

/** `echo quit | nvidia-cuda-mps-control`, the daemon's own shutdown; bounded, failures ignored. */
async function quitMps(daemon: Daemon, mps: Dockerode.Container): Promise<void> {
  const quit = daemon.client.container
    .exec(mps, ['sh', '-c', 'echo quit | nvidia-cuda-mps-control'])
    .then((r) => (r.exitCode === 0 ? mps.wait() : null))
    .catch(() => null);
  await Promise.race([quit, new Promise((resolve) => setTimeout(resolve, MPS_QUIT_MS).unref())]);
}
