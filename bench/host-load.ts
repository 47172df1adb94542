import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { wilsonInterval } from '../src/capacity/intervals.ts';

/**
 * CPU time of the whole host (Linux /proc/stat: user + nice + system of all CPUs, so processes
 * that start and end in between count too; interrupt and softirq time are left out, as the
 * benchmark's own network traffic causes most of it). A benchmark subtracts the CPU time of
 * its own processes to tell how busy the neighbours kept a shared machine. Elsewhere: null.
 */

const clockTicks = (() => {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(out.stdout?.trim());
  return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
})();

/** CPU ms the host has spent in user space and the kernel (all processes, all CPUs). */
export function hostCpuMs(): number | null {
  try {
    const [, user, nice, system] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]?.split(/\s+/) ?? [];
    const ticks = Number(user) + Number(nice) + Number(system);
    return Number.isFinite(ticks) ? (ticks * 1000) / clockTicks : null;
  } catch {
    return null;
  }
}

export function selfCpuMs(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

/** Share of one core (percent) that processes other than this one used over `sampleMs`. */
export async function backgroundLoadPct(sampleMs: number): Promise<number | null> {
  const host0 = hostCpuMs();
  const self0 = selfCpuMs();
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  const host1 = hostCpuMs();
  if (host0 === null || host1 === null) return null;
  const others = host1 - host0 - (selfCpuMs() - self0);
  return Math.max(0, (100 * others) / (performance.now() - t0));
}

/** `count` CPU-bound neighbours (`yes > /dev/null`); stop() kills exactly them. */
export function busyNeighbours(count: number): { stop: () => Promise<void> } {
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++) children.push(spawn('yes', [], { stdio: 'ignore' }));
  return {
    stop: async () => {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGKILL');
            }),
        ),
      );
    },
  };
}

/** Wilson 95 % interval of k alarms in n runs, in percent ([0, 100] with no runs). */
export function percentInterval(k: number, n: number): [number, number] {
  if (n === 0) return [0, 100];
  const [lo, hi] = wilsonInterval(k, n, 0.95);
  return [100 * lo, 100 * hi];
}
