import { readFileSync } from 'node:fs';
import type { HostCpu, Stat } from './schema.ts';

/**
 * The host's CPU utilisation while a point's load runs: /proc/stat read every `intervalMs` (the
 * whole host, overall and per core) and process.cpuUsage() (this process: the load client and its
 * worker threads). Summarised as it goes, so memory stays the same however long the point runs.
 * Never throws: off Linux, or when /proc/stat cannot be read, the summary says "not available"
 * and why.
 */

/** One CPU line of /proc/stat: all jiffies and those not busy (idle + iowait). */
export interface CpuTimes {
  total: number;
  idle: number;
}

/** A /proc/stat reading: the `cpu` line (every core together) and each `cpuN` line. */
export interface ProcStat {
  all: CpuTimes;
  cores: CpuTimes[];
}

/**
 * Parses /proc/stat's CPU lines (user nice system idle iowait irq softirq steal; guest time is
 * already inside user). Busy is everything but idle and iowait. Null when there is no `cpu` line.
 */
export function parseProcStat(text: string): ProcStat | null {
  let all: CpuTimes | null = null;
  const cores: CpuTimes[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) continue;
    const [name, ...fields] = line.trim().split(/\s+/);
    const values = fields.slice(0, 8).map(Number);
    if (values.length < 4 || values.some((v) => !Number.isFinite(v))) continue;
    let total = 0;
    for (const v of values) total += v;
    const times = { total, idle: (values[3] ?? 0) + (values[4] ?? 0) };
    if (name === 'cpu') all = times;
    else cores.push(times);
  }
  return all ? { all, cores } : null;
}

/** Busy share (%) between two readings of one CPU line; null when no time passed. */
function busyPct(before: CpuTimes, after: CpuTimes): number | null {
  const total = after.total - before.total;
  if (total <= 0) return null;
  const idle = after.idle - before.idle;
  return Math.min(100, Math.max(0, (100 * (total - idle)) / total));
}

/** One reading: when (ms, monotonic), /proc/stat (null when unreadable) and this process's CPU µs. */
export interface CpuReading {
  atMs: number;
  stat: ProcStat | null;
  processUs: number;
}

/** Intervals shorter than this (a stop right after a tick) are folded into no sample. */
const MIN_INTERVAL_MS = 50;

/** Running summary of readings: constant memory. */
export class HostCpuAccumulator {
  private first: CpuReading | null = null;
  private last: CpuReading | null = null;
  private samples = 0;
  private maxBusy = Number.NEGATIVE_INFINITY;
  private maxCore = Number.NEGATIVE_INFINITY;
  private maxProcess = Number.NEGATIVE_INFINITY;
  private cores = 0;

  add(reading: CpuReading): void {
    if (reading.stat === null) return;
    const before = this.last;
    if (!before) {
      this.first = reading;
      this.last = reading;
      this.cores = reading.stat.cores.length;
      return;
    }
    const wallMs = reading.atMs - before.atMs;
    if (wallMs < MIN_INTERVAL_MS) return;
    const prev = before.stat as ProcStat;
    const busy = busyPct(prev.all, reading.stat.all);
    if (busy === null) return;
    this.samples++;
    this.maxBusy = Math.max(this.maxBusy, busy);
    const n = Math.min(prev.cores.length, reading.stat.cores.length);
    for (let i = 0; i < n; i++) {
      const core = busyPct(prev.cores[i] as CpuTimes, reading.stat.cores[i] as CpuTimes);
      if (core !== null) this.maxCore = Math.max(this.maxCore, core);
    }
    this.maxProcess = Math.max(this.maxProcess, processPct(before, reading));
    this.cores = Math.max(this.cores, reading.stat.cores.length);
    this.last = reading;
  }

  /** The summary's figures (without source, interval and duration). */
  summary(): Pick<HostCpu, 'samples' | 'cores' | 'busyPct' | 'maxCoreBusyPct' | 'processCpuPct'> {
    const first = this.first;
    const last = this.last;
    if (this.samples === 0 || !first || !last || !first.stat || !last.stat) {
      return { samples: 0, cores: this.cores, busyPct: null, maxCoreBusyPct: null, processCpuPct: null };
    }
    const stat = (mean: number | null, max: number): Stat => (mean === null ? null : { mean, max });
    return {
      samples: this.samples,
      cores: this.cores,
      busyPct: stat(busyPct(first.stat.all, last.stat.all), this.maxBusy),
      maxCoreBusyPct: Number.isFinite(this.maxCore) ? this.maxCore : null,
      processCpuPct: stat(processPct(first, last), this.maxProcess),
    };
  }
}

/** This process's CPU time per wall time between two readings, % of one core. */
function processPct(before: CpuReading, after: CpuReading): number {
  const wallUs = (after.atMs - before.atMs) * 1000;
  return wallUs > 0 ? Math.max(0, (100 * (after.processUs - before.processUs)) / wallUs) : 0;
}

export interface HostCpuSamplerOptions {
  /** Default 500 ms (at least 100). */
  intervalMs?: number;
  /** Default process.platform; only 'linux' has /proc/stat. */
  platform?: NodeJS.Platform;
  /** Reads /proc/stat (tests pass their own). */
  readStat?: () => string;
}

const PROC_STAT = '/proc/stat';

/** Samples the host's CPUs from start() to stop() (see the module comment). */
export class HostCpuSampler {
  readonly intervalMs: number;
  private readonly startedAt = performance.now();
  private readonly accumulator = new HostCpuAccumulator();
  private readonly readStat: () => string;
  private readonly timer: NodeJS.Timeout | null = null;
  private reason: string | undefined;
  private result: HostCpu | null = null;

  private constructor(options: HostCpuSamplerOptions) {
    this.intervalMs = Math.max(100, Math.round(options.intervalMs ?? 500));
    this.readStat = options.readStat ?? (() => readFileSync(PROC_STAT, 'utf8'));
    const platform = options.platform ?? process.platform;
    if (platform !== 'linux' && !options.readStat) {
      this.reason = `host CPU utilisation is read from ${PROC_STAT}, which only Linux has (this host: ${platform})`;
      return;
    }
    this.sample();
    if (this.reason) return;
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  static start(options: HostCpuSamplerOptions = {}): HostCpuSampler {
    return new HostCpuSampler(options);
  }

  private sample(): void {
    let stat: ProcStat | null = null;
    try {
      stat = parseProcStat(this.readStat());
      if (!stat) this.reason ??= `${PROC_STAT} has no 'cpu' line`;
    } catch (error) {
      this.reason ??= `could not read ${PROC_STAT}: ${(error as Error).message}`;
    }
    const usage = process.cpuUsage();
    this.accumulator.add({ atMs: performance.now(), stat, processUs: usage.user + usage.system });
  }

  /** Stops sampling (one last reading) and summarises (the same summary on every call). */
  stop(): HostCpu {
    if (this.result) return this.result;
    if (this.timer) {
      clearInterval(this.timer);
      this.sample();
    }
    const figures = this.accumulator.summary();
    let reason = this.reason;
    if (!reason && figures.samples === 0) reason = `the load ended before one ${this.intervalMs} ms interval`;
    this.result = {
      source: '/proc/stat',
      available: figures.samples > 0,
      ...(reason ? { reason } : {}),
      intervalMs: this.intervalMs,
      durationS: (performance.now() - this.startedAt) / 1000,
      ...figures,
    };
    return this.result;
  }
}
