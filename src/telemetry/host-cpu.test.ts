import { describe, expect, it } from 'vitest';
import { type CpuReading, HostCpuAccumulator, HostCpuSampler, parseProcStat } from './host-cpu.ts';

/** A /proc/stat with the given per-core (busy, idle) jiffies; the `cpu` line is their sum. */
function procStat(cores: ReadonlyArray<readonly [number, number]>): string {
  // user nice system idle iowait irq softirq steal guest guest_nice
  const line = (name: string, busy: number, idle: number) => `${name} ${busy} 0 0 ${idle} 0 0 0 0 0 0`;
  const busy = cores.reduce((n, [b]) => n + b, 0);
  const idle = cores.reduce((n, [, i]) => n + i, 0);
  return [
    line('cpu', busy, idle),
    ...cores.map(([b, i], n) => line(`cpu${n}`, b, i)),
    'intr 1 2 3',
    'ctxt 42',
  ].join('\n');
}

const reading = (
  atMs: number,
  cores: ReadonlyArray<readonly [number, number]>,
  processUs = 0,
): CpuReading => ({
  atMs,
  stat: parseProcStat(procStat(cores)),
  processUs,
});

describe('parseProcStat', () => {
  it('reads the cpu and cpuN lines; busy is everything but idle and iowait', () => {
    const s = parseProcStat('cpu  10 2 3 100 5 1 1 0 7 0\ncpu0 10 2 3 100 5 1 1 0 7 0\npage 1 2\n');
    // guest (7) is already inside user: only the first eight fields count.
    expect(s).toEqual({ all: { total: 122, idle: 105 }, cores: [{ total: 122, idle: 105 }] });
  });

  it('is null without a cpu line', () => {
    expect(parseProcStat('intr 1\n')).toBeNull();
  });
});

describe('HostCpuAccumulator', () => {
  it('gives the whole-run busy share, the busiest interval, the busiest core and this process', () => {
    const acc = new HostCpuAccumulator();
    acc.add(
      reading(
        0,
        [
          [0, 0],
          [0, 0],
        ],
        0,
      ),
    );
    // Interval 1: core 0 fully busy, core 1 idle -> 50 %; this process 250 ms of CPU in 500 ms.
    acc.add(
      reading(
        500,
        [
          [50, 0],
          [0, 50],
        ],
        250_000,
      ),
    );
    // Interval 2: both cores a quarter busy -> 25 %.
    acc.add(
      reading(
        1000,
        [
          [75, 25],
          [25, 75],
        ],
        300_000,
      ),
    );
    expect(acc.summary()).toEqual({
      samples: 2,
      cores: 2,
      busyPct: { mean: (100 * 150) / 300, max: 50 },
      maxCoreBusyPct: 100,
      processCpuPct: { mean: 30, max: 50 },
    });
  });

  it('has no figures from one reading, and skips a too-short last interval', () => {
    const acc = new HostCpuAccumulator();
    acc.add(reading(0, [[0, 0]]));
    expect(acc.summary()).toMatchObject({ samples: 0, busyPct: null, maxCoreBusyPct: null });
    acc.add(reading(20, [[10, 0]]));
    expect(acc.summary().samples).toBe(0);
    acc.add(reading(500, [[10, 90]]));
    expect(acc.summary()).toMatchObject({ samples: 1, busyPct: { mean: 10, max: 10 } });
  });

  it('ignores unreadable readings', () => {
    const acc = new HostCpuAccumulator();
    acc.add({ atMs: 0, stat: null, processUs: 0 });
    acc.add(reading(100, [[0, 0]]));
    acc.add({ atMs: 600, stat: null, processUs: 0 });
    acc.add(reading(700, [[60, 40]]));
    expect(acc.summary()).toMatchObject({ samples: 1, busyPct: { mean: 60, max: 60 } });
  });
});

describe('HostCpuSampler', () => {
  it('is "not available", with the reason, off Linux', () => {
    const cpu = HostCpuSampler.start({ platform: 'darwin' }).stop();
    expect(cpu).toMatchObject({ source: '/proc/stat', available: false, samples: 0, busyPct: null });
    expect(cpu.reason).toMatch(/only Linux has \(this host: darwin\)/);
  });

  it('is "not available" when /proc/stat cannot be read', () => {
    const sampler = HostCpuSampler.start({
      readStat: () => {
        throw new Error('EACCES: permission denied');
      },
    });
    const cpu = sampler.stop();
    expect(cpu.available).toBe(false);
    expect(cpu.reason).toBe('could not read /proc/stat: EACCES: permission denied');
    // The same summary on every call.
    expect(sampler.stop()).toBe(cpu);
  });

  it('says a load shorter than one interval has no samples', () => {
    const cpu = HostCpuSampler.start({ readStat: () => procStat([[1, 1]]) }).stop();
    expect(cpu).toMatchObject({ available: false, samples: 0 });
    expect(cpu.reason).toMatch(/before one 500 ms interval/);
  });
});
