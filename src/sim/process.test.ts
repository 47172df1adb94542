import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startSims } from './process.ts';

/** Command lines of running processes that contain `marker`. */
function processesWith(marker: string): string[] {
  return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(marker) && !line.startsWith('ps '));
}

describe('starting several simulators (real processes)', () => {
  it('one that times out stops the ones that started: nothing is left running', async () => {
    const marker = `sims-${process.pid}-${Date.now()}`;
    const args = (i: number, ...more: string[]) => ['--served-model-name', `${marker}-${i}`, ...more];
    const error = await startSims([args(0), args(1, '--fault-slow-start-ms', '30000'), args(2)], 3000).catch(
      (e: Error) => e,
    );
    expect(String(error)).toMatch(/simulator did not start within 3000 ms/);
    expect(processesWith(marker)).toEqual([]);
  });

  it('one that exits at once stops the others too; all up, they are all returned', async () => {
    const marker = `sims-bad-${process.pid}-${Date.now()}`;
    const error = await startSims([
      ['--served-model-name', `${marker}-0`],
      ['--served-model-name', `${marker}-1`, '--no-such-flag'],
    ]).catch((e: Error) => e);
    expect(String(error)).toMatch(/simulator exited \(code \d+\) before listening/);
    expect(processesWith(marker)).toEqual([]);

    const sims = await startSims([
      ['--served-model-name', `${marker}-2`],
      ['--served-model-name', `${marker}-3`],
    ]);
    expect(sims.map((s) => s.port).every((p) => p > 0)).toBe(true);
    expect(processesWith(marker)).toHaveLength(2);
    await Promise.all(sims.map((s) => s.stop()));
    expect(processesWith(marker)).toEqual([]);
  });
});
