import { describeExit, type SupervisedProcess, supervise } from '../runtime/supervise.ts';
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
 * nvidia-smi is reported in the summary's `error`. nvidia-smi runs supervised (runtime/supervise.ts):
 * killed when this process exits, swept by the next start if this process was killed outright,
 * and in any case ended by its next write to the closed pipe (SIGPIPE).
 */
export class GpuSampler {
  readonly samples: GpuSample[] = [];
  readonly intervalMs: number;
  private readonly gpus: readonly string[];
  private readonly command: string;
  private readonly startedAt = performance.now();
  private readonly child: SupervisedProcess;
  private readonly exited: Promise<void>;
  private error: string | undefined;
  private buffer = '';
  private stopped: Promise<PointTelemetry> | null = null;

  private constructor(options: GpuSamplerOptions) {
    this.intervalMs = Math.max(100, Math.round(options.intervalMs ?? 500));
    this.gpus = options.gpus ?? [];
    this.command = options.command ?? nvidiaSmiCommand();
    this.child = supervise({
      command: this.command,
      args: [...queryArgs(QUERY_FIELDS), '-lms', String(this.intervalMs)],
      role: 'nvidia-smi sampler',
      tailLines: 20,
      tailStdout: false,
      graceMs: STOP_GRACE_MS,
      onOutput: (text, stream) => {
        if (stream === 'stdout') this.onData(text);
      },
    });
    this.exited = this.child.exited.then((exit) => {
      if (exit.error) {
        this.error =
          exit.error.code === 'ENOENT'
            ? `${this.command} not found: no GPU telemetry`
            : `could not run ${this.command}: ${exit.error.message}`;
      } else if (!this.child.stopRequested) {
        const said = this.child.output.tail().join(' ').trim().replace(/\s+/g, ' ').slice(0, STDERR_EXCERPT);
        this.error ??= `${this.command} exited (${describeExit(exit, this.command)}) during the run${said ? `: ${said}` : ''}`;
      }
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
    await this.child.stop();
    await this.exited;
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
