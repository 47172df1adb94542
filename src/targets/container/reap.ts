import { removeRunContainers, removeWhenIdle } from './cleanup.ts';
import { connectDaemon } from './daemon.ts';

/**
 * The reaper process's container work once its parent is gone: remove the runs' containers now
 * (`docker rm -f` by run label), and reused ones once idle for their TTL.
 */
export async function reapContainers(runs: Iterable<string>, idle: Map<string, number>): Promise<void> {
  const { docker } = await connectDaemon();
  await Promise.allSettled([...runs].map((run) => removeRunContainers(docker, run)));
  await Promise.allSettled([...idle].map(([id, ttlMs]) => removeWhenIdle(docker, id, ttlMs)));
}
