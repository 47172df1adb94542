import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { Reaper } from './reaper.ts';
import { ServerManager } from './server-manager.ts';
import { SimTarget } from './sim-target.ts';

const reaper = new Reaper();
const manager = new ServerManager(new SimTarget(reaper));
afterAll(async () => {
  await manager.stopAll();
  reaper.close();
});
const context = { gpus: ['virtual0'], gpuNames: new Map<string, string>() };

/** Command lines of running processes that contain `marker`. */
function processesWith(marker: string): string[] {
  return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(marker) && !line.startsWith('ps '));
}

async function healthy(url: string): Promise<boolean> {
  return fetch(`${url}/health`).then(
    (r) => r.ok,
    () => false,
  );
}

describe('server lifetimes (real simulator processes)', () => {
  it("a lease's servers stop when it is released, another lease's stay; stop() ends one", async () => {
    const a1 = await manager.acquire({ args: ['--seed', '1'] }, context, 'lease-a');
    const a2 = await manager.acquire({ args: ['--seed', '2'] }, context, 'lease-a');
    const b = await manager.acquire({ args: ['--seed', '1'] }, context, 'lease-b');
    expect(new Set([a1.info.url, a2.info.url, b.info.url]).size).toBe(3);
    // The same spec on the same lease is the same server.
    expect((await manager.acquire({ args: ['--seed', '1'] }, context, 'lease-a')).info.url).toBe(a1.info.url);

    await manager.releaseLease('lease-a');
    expect(await healthy(a1.info.url)).toBe(false);
    expect(await healthy(a2.info.url)).toBe(false);
    expect(await healthy(b.info.url)).toBe(true);

    expect(await manager.stop(b.info.url, 'lease-a')).toBe(false);
    expect(await manager.stop(b.info.url, 'lease-b')).toBe(true);
    expect(await healthy(b.info.url)).toBe(false);
    const again = await manager.acquire({ args: ['--seed', '1'] }, context, 'lease-b');
    expect(again.info.url).not.toBe(b.info.url);
    await manager.releaseLease('lease-b');
  });

  it('a server still starting when its lease ends gives up at once and leaves no process', async () => {
    const marker = `slow-start-${process.pid}-${Date.now()}`;
    const starting = manager.acquire(
      { args: ['--fault-slow-start-ms', '20000', '--served-model-name', marker] },
      context,
      'lease-c',
    );
    const error = starting.catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 500));
    expect(processesWith(marker)).toHaveLength(1);
    const released = performance.now();
    await manager.releaseLease('lease-c');
    expect(performance.now() - released).toBeLessThan(5000);
    expect(String(await error)).toMatch(/its test file ended \(GPU lease released\) while it was starting/);
    expect(processesWith(marker)).toEqual([]);
  });

  it('records the arguments with secrets masked (the value of a secret variable of the spec)', async () => {
    const server = await manager.acquire(
      {
        args: ['--served-model-name', 'my-secret-value-1234', '--seed', '3'],
        env: { MY_SECRET: 'my-secret-value-1234' },
      },
      context,
      'lease-d',
    );
    expect(server.info.serverArgs).toEqual(['--served-model-name', '***', '--seed', '3']);
    await manager.releaseLease('lease-d');
  });
});
