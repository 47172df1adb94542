import { type ChildProcess, spawn } from 'node:child_process';
import { type GpuSample, nvidiaSmiCommand, parseSampleLine, QUERY_FIELDS, queryArgs } from './nvidia-smi.ts';
import type { PointTelemetry } from './schema.ts';
import { summarizeSamples } from './summarize.ts';

export interface GpuSamplerOptions {
  /** GPUs to report (lease ids: nvidia-smi indices or UUIDs); empty or absent: every GPU. */
  gpus?: readonly string[];
  /** Sampling interval; nvidia-smi's own loop (-lms) keeps it. */
  intervalMs?: number;
  /** Default: $SERVEBENCH_NVIDIA_SMI or `nvidia-smi` on PATH. */
  command?: string;
}

/** nvidia-smi needs a moment to stop; after this it is killed. */
const STOP_GRACE_MS = 2000;
const STDERR_EXCERPT = 300;

/**
 * Samples GPU utilisation, memory, SM clock and power with `nvidia-smi --query-gpu ... -lms N`
 * from start() to stop(), and summarises them per GPU. Never throws: a missing or failing
 * nvidia-smi is reported in the summary's `error`. If this process dies without stopping it,
 * nvidia-smi's next write to the closed pipe ends it (SIGPIPE), so it cannot outlive us by more
 * than one interval.
 */
export class GpuSampler {
  readonly samples: GpuSample[] = [];
  readonly intervalMs: number;
  private readonly gpus: readonly string[];
  private readonly command: string;
  private readonly startedAt = performance.now();
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private error: string | undefined;
  private stderr = '';
  private buffer = '';
  private stopping = false;
  private stopped: Promise<PointTelemetry> | null = null;

  private constructor(options: GpuSamplerOptions) {
    this.intervalMs = Math.max(100, Math.round(options.intervalMs ?? 500));
    this.gpus = options.gpus ?? [];
    this.command = options.command ?? nvidiaSmiCommand();
    this.child = spawn(this.command, [...queryArgs(QUERY_FIELDS), '-lms', String(this.intervalMs)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.setEncoding('utf8');
    this.child.stdout?.on('data', (text: string) => this.onData(text));
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (text: string) => {
      if (this.stderr.length < STDERR_EXCERPT) this.stderr += text;
    });
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error: NodeJS.ErrnoException) => {
        this.error =
          error.code === 'ENOENT'
            ? `${this.command} not found: no GPU telemetry`
            : `could not run ${this.command}: ${error.message}`;
        resolve();
      });
      this.child.once('exit', (code, signal) => {
        if (!this.stopping) {
          const why = signal ?? `code ${code}`;
          const said = this.stderr.trim().replace(/\s+/g, ' ').slice(0, STDERR_EXCERPT);
          this.error ??= `${this.command} exited (${why}) during the run${said ? `: ${said}` : ''}`;
        }
        resolve();
      });
    });
  }

  static start(options: GpuSamplerOptions = {}): GpuSampler {
    return new GpuSampler(options);
  }

  private onData(text: string): void {
    this.buffer += text;
    const lines = this.buffer.split('\n');
    this.buffer = lines.pop() ?? '';
    const at = performance.now() - this.startedAt;
    for (const line of lines) {
      const sample = parseSampleLine(line, at);
      if (sample) this.samples.push(sample);
    }
  }

  /** Stops nvidia-smi and summarises what it reported (the same summary on every call). */
  stop(): Promise<PointTelemetry> {
    this.stopped ??= this.finish();
    return this.stopped;
  }

  private async finish(): Promise<PointTelemetry> {
    const durationS = (performance.now() - this.startedAt) / 1000;
    this.stopping = true;
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
      await this.exited;
      clearTimeout(timer);
    } else {
      await this.exited;
    }
    const gpus = summarizeSamples(this.samples, this.gpus);
    let error = this.error;
    if (!error && gpus.length === 0) {
      error =
        this.samples.length === 0
          ? `${this.command} reported no samples`
          : `${this.command} reported none of the GPUs ${this.gpus.join(', ')}`;
    }
    return {
      source: 'nvidia-smi',
      intervalMs: this.intervalMs,
      durationS,
      gpus,
      ...(error ? { error } : {}),
    };
  }
}
