import { monitorEventLoopDelay } from 'node:perf_hooks';

const RESOLUTION_MS = 5;

/**
 * Samples event-loop delay while load runs; a busy loop delays chunk timestamps. Returns a
 * stop function giving the p99 delay in ms beyond the sampling interval itself.
 */
export function startEventLoopMonitor(): () => number {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  return () => {
    histogram.disable();
    return Math.max(0, histogram.percentile(99) / 1e6 - RESOLUTION_MS);
  };
}
