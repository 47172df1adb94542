import { describe, expect, it } from 'vitest';
import { HostCpuSampler } from './host-cpu.ts';

describe.runIf(process.platform === 'linux')(
  `HostCpuSampler on this host${process.platform === 'linux' ? '' : ' (skipped: no /proc/stat off Linux)'}`,
  () => {
    it('samples /proc/stat every interval and sees this process burn CPU', async () => {
      const sampler = HostCpuSampler.start({ intervalMs: 100 });
      // ~350 ms: spin half of it, so this process's share is clearly above zero.
      const until = performance.now() + 150;
      while (performance.now() < until) Math.sqrt(Math.random());
      await new Promise((resolve) => setTimeout(resolve, 200));
      const cpu = sampler.stop();
      expect(cpu).toMatchObject({ source: '/proc/stat', available: true, intervalMs: 100 });
      expect(cpu.samples).toBeGreaterThanOrEqual(2);
      expect(cpu.cores).toBeGreaterThan(0);
      expect(cpu.busyPct?.mean).toBeGreaterThan(0);
      expect(cpu.busyPct?.max).toBeLessThanOrEqual(100);
      expect(cpu.maxCoreBusyPct).toBeGreaterThanOrEqual(cpu.busyPct?.max ?? 0);
      expect(cpu.processCpuPct?.max).toBeGreaterThan(10);
    });
  },
);
