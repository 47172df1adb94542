import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ownerFromLabels, ownerLabels } from './labels.ts';
import { currentOwner, isOwnerAlive, processStartTime } from './run-owner.ts';

describe('run owner', () => {
  it('is alive while this process runs, with its start time', () => {
    const owner = currentOwner();
    expect(owner.runId).toMatch(new RegExp(`^${process.pid}-[0-9a-f]{8}$`));
    if (process.platform === 'linux') expect(owner.pidStart).toMatch(/^\d+$/);
    expect(isOwnerAlive(owner)).toBe(true);
    expect(ownerFromLabels(ownerLabels(owner, 'server'))).toEqual({
      host: owner.host,
      pid: owner.pid,
      pidStart: owner.pidStart,
    });
  });

  it('is dead once its process exited, and when the pid now belongs to another process', () => {
    const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    expect(isOwnerAlive({ pid: Number(child.stdout.trim()), pidStart: '1' })).toBe(false);
    if (process.platform === 'linux') {
      expect(
        isOwnerAlive({ pid: process.pid, pidStart: String(Number(processStartTime(process.pid)) + 1) }),
      ).toBe(false);
    }
    expect(ownerFromLabels({})).toBeNull();
  });
});
