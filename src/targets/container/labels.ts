import type { RunOwner } from './run-owner.ts';

/** Label keys on every servebench container (`docker ps --filter label=servebench.run`). */
export const LABEL = {
  run: 'servebench.run',
  ownerHost: 'servebench.owner.host',
  ownerPid: 'servebench.owner.pid',
  ownerStart: 'servebench.owner.start',
  role: 'servebench.role',
  port: 'servebench.port',
  /** Set on reusable containers: hash of everything but the port (see container-plan.ts). */
  reuseKey: 'servebench.reuse.key',
  idleTtlS: 'servebench.reuse.idle-ttl-s',
  /** Host directory of an MPS companion's pipe and log directories (removed with it). */
  mpsDir: 'servebench.mps.dir',
} as const;

export type ContainerRole = 'server' | 'mps';

export function ownerLabels(owner: RunOwner, role: ContainerRole): Record<string, string> {
  return {
    [LABEL.run]: owner.runId,
    [LABEL.ownerHost]: owner.host,
    [LABEL.ownerPid]: String(owner.pid),
    [LABEL.ownerStart]: owner.pidStart,
    [LABEL.role]: role,
  };
}

export function ownerFromLabels(labels: Record<string, string>): Omit<RunOwner, 'runId'> | null {
  const pid = Number(labels[LABEL.ownerPid]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  return { host: labels[LABEL.ownerHost] ?? '', pid, pidStart: labels[LABEL.ownerStart] ?? '' };
}
