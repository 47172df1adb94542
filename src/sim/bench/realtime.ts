import { performance } from 'node:perf_hooks';
import { seed003 } from '../calibration/seeds.ts';
import { startSim } from '../process.ts';
import { metricValue } from '../testing/http.ts';
import { runOpenLoop } from '../testing/stream-client.ts';
import { fixedLengths, poissonScheduleMs } from '../testing/workloads.ts';

export interface RealtimeReport {
  /** Upper bound of the histogram bucket holding the 99th percentile of step lateness, ms. */
  readonly p99StepLatenessMs: number;
  readonly meanStepLatenessMs: number;
  readonly steps: number;
  readonly requestThroughput: number;
  readonly durationS: number;
}

/** Quantile from cumulative Prometheus buckets: the first bucket bound holding q of the samples. */
export function bucketQuantile(metrics: string, name: string, q: number): number {
  const buckets = new Map<number, number>();
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}_bucket`)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le === undefined || le === '+Inf') continue;
    const bound = Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  const total = metricValue(metrics, `${name}_count`);
  for (const [bound, count] of [...buckets].sort((a, b) => a[0] - b[0])) if (count >= q * total) return bound;
  return Number.POSITIVE_INFINITY;
}

/**
 * The real-time check: the heaviest seed workload (seed 003, 4-way data parallel,
 * 60 req/s offered) with a streaming client beside the simulator, reporting the simulator's own
 * step lateness from /metrics.
 */
export async function measureSimRealtime(durationS = 10, rate = 60): Promise<RealtimeReport> {
  const sim = await startSim([...seed003.args, '--data-parallel-size', '4']);
  try {
    const n = Math.round(rate * durationS);
    const t0 = performance.now();
    const run = await runOpenLoop({
      url: sim.url,
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      requests: fixedLengths(n, seed003.promptTokens, seed003.outputTokens),
      scheduleMs: poissonScheduleMs(n, rate, 11),
    });
    const metrics = await (await fetch(`${sim.url}/metrics`)).text();
    const name = 'servebench:sim_step_lateness_seconds';
    const steps = metricValue(metrics, `${name}_count`);
    return {
      p99StepLatenessMs: bucketQuantile(metrics, name, 0.99) * 1000,
      meanStepLatenessMs: (metricValue(metrics, `${name}_sum`) / steps) * 1000,
      steps,
      requestThroughput: run.requestThroughput,
      durationS: (performance.now() - t0) / 1000,
    };
  } finally {
    await sim.stop();
  }
}

if (import.meta.main) {
  const report = await measureSimRealtime();
  console.log(JSON.stringify(report, null, 2));
  if (report.p99StepLatenessMs > 5) {
    console.error(`simulator step lateness p99 <= ${report.p99StepLatenessMs} ms exceeds 5 ms`);
    process.exitCode = 1;
  }
}
