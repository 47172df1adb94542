import { rm } from 'node:fs/promises';
import type Dockerode from 'dockerode';
import { LABEL, ownerFromLabels } from './labels.ts';
import { dropHeartbeat, idleMs } from './reuse-heartbeat.ts';
import { isOwnerAlive } from './run-owner.ts';

/**
 * Removing servebench containers: a run's own when it ends or dies (the reaper), stale ones of
 * dead runs at start-up (the sweep), reused ones once idle past their TTL. All by label.
 */

type Info = Dockerode.ContainerInfo;

export async function listLabelled(docker: Dockerode, label: string): Promise<Info[]> {
  return docker.listContainers({ all: true, filters: { label: [label] } });
}

/** `docker rm -f`, plus the MPS directory it shared; gone already is fine. */
export async function removeContainer(docker: Dockerode, id: string, labels: Record<string, string> = {}) {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
  } catch (error) {
    const code = (error as { statusCode?: number }).statusCode;
    // 404: already gone; 409: removal already in progress.
    if (code !== 404 && code !== 409) throw error;
  }
  const mpsDir = labels[LABEL.mpsDir];
  if (mpsDir) await rm(mpsDir, { recursive: true, force: true }).catch(() => {});
}

function isReusable(info: Info): boolean {
  return Boolean(info.Labels[LABEL.reuseKey]);
}

/** Removes every container of a run except reusable ones (those wait for their idle TTL). */
export async function removeRunContainers(docker: Dockerode, runId: string): Promise<string[]> {
  const containers = (await listLabelled(docker, `${LABEL.run}=${runId}`)).filter((c) => !isReusable(c));
  await Promise.all(containers.map((c) => removeContainer(docker, c.Id, c.Labels)));
  return containers.map((c) => c.Id);
}

/** Removes a reusable container if nobody used it for `ttlMs`; true when removed. */
export async function removeIfIdle(docker: Dockerode, info: Info, ttlMs: number, now = Date.now()) {
  if ((await idleMs(info.Id, info.Created * 1000, now)) < ttlMs) return false;
  await removeContainer(docker, info.Id, info.Labels);
  await dropHeartbeat(info.Id);
  return true;
}

/**
 * Start-up sweep on this host: containers whose owning run is dead (its pid is gone or is
 * another process now), and reusable ones idle past their TTL. Containers of runs on other
 * hosts (a shared remote daemon) are left to those hosts.
 */
export async function sweepStale(docker: Dockerode, host: string, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  for (const info of await listLabelled(docker, LABEL.run)) {
    const owner = ownerFromLabels(info.Labels);
    if (!owner || owner.host !== host) continue;
    if (isReusable(info)) {
      const ttlMs = Number(info.Labels[LABEL.idleTtlS]) * 1000;
      if (Number.isFinite(ttlMs) && (await removeIfIdle(docker, info, ttlMs, now))) removed.push(info.Id);
    } else if (!isOwnerAlive(owner)) {
      await removeContainer(docker, info.Id, info.Labels);
      removed.push(info.Id);
    }
  }
  return removed;
}

/** Waits until a reusable container has been idle for `ttlMs`, then removes it (the reaper). */
export async function removeWhenIdle(docker: Dockerode, id: string, ttlMs: number): Promise<void> {
  for (;;) {
    const [info] = await docker.listContainers({ all: true, filters: { id: [id] } });
    if (!info) return;
    if (await removeIfIdle(docker, info, ttlMs)) return;
    const idle = await idleMs(id, info.Created * 1000);
    await new Promise((resolve) => setTimeout(resolve, Math.max(500, ttlMs - idle + 100)));
  }
}
