import { LogHistogram } from '../metrics/log-histogram.ts';
import type { RequestRecord } from '../metrics/record.ts';

export interface Progress {
  done: number;
  failed: number;
  /** Null when the run is bounded by duration only. */
  total: number | null;
  elapsedS: number;
  /** Completions per second over the last window. */
  currentRate: number;
  /** p99 TTFT of the measured successful requests so far, within ±1% (a streaming histogram). */
  p99TtftMs: number;
}

/**
 * Running counts for progress lines, in constant memory: O(1) per record and O(1) per snapshot
 * (a fixed-size TTFT histogram, never a sort of every record), so a snapshot costs the sending
 * thread the same at the hundredth request as at the millionth.
 */
export class ProgressTracker {
  private done = 0;
  private failed = 0;
  private readonly ttfts = new LogHistogram();
  private readonly started = performance.now();
  private windowStart = performance.now();
  private windowDone = 0;
  private readonly total: number | null;

  constructor(total: number | null) {
    this.total = total;
  }

  add(record: RequestRecord): void {
    this.done++;
    this.windowDone++;
    if (!record.ok) this.failed++;
    else if (!record.warmup && record.chunk_ms.length > 0) {
      this.ttfts.add((record.chunk_ms[0] as number) - record.sent_ms);
    }
  }

  snapshot(): Progress {
    const now = performance.now();
    const windowS = (now - this.windowStart) / 1000;
    const currentRate = windowS > 0 ? this.windowDone / windowS : 0;
    this.windowStart = now;
    this.windowDone = 0;
    return {
      done: this.done,
      failed: this.failed,
      total: this.total,
      elapsedS: (now - this.started) / 1000,
      currentRate,
      p99TtftMs: this.ttfts.percentile(99),
    };
  }
}
