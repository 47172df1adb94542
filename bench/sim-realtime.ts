import { runLoad } from '../src/load/run-load.ts';
import { seed003 } from '../src/sim/calibration/seeds.ts';
import { startSim } from '../src/sim/process.ts';
import { metricValue } from '../test/helpers/sim/http.ts';

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

/** The bound on the simulator's p99 step lateness at the heaviest seed workload. */
const LIMIT_MS = 5;
const METRIC = 'servebench:sim_step_lateness_seconds';

/**
 * Does the simulator keep real time? Seed 003's heaviest setup (4-way data parallel, 60 req/s
 * offered) with servebench's own load generator beside it on the same machine; the simulator
 * reports its step lateness on /metrics.
 */
export async function runSimRealtime(log: (line: string) => void, durationS = 10, rate = 60): Promise<void> {
  const sim = await startSim([...seed003.args, '--data-parallel-size', '4']);
  try {
    const result = await runLoad({
      baseUrl: sim.url,
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      arrival: { kind: 'poisson', rate },
      requests: rate * durationS,
      dataset: { name: 'random', input_len: seed003.promptTokens, output_len: seed003.outputTokens },
      seed: 11,
    });
    const metrics = await (await fetch(`${sim.url}/metrics`)).text();
    const steps = metricValue(metrics, `${METRIC}_count`);
    const p99 = bucketQuantile(metrics, METRIC, 0.99) * 1000;
    const mean = (metricValue(metrics, `${METRIC}_sum`) / steps) * 1000;
    log(
      `simulator real time, 4-way data parallel at ${rate} req/s offered with the load generator beside it:`,
    );
    log(
      `  ${steps} steps; step lateness mean ${mean.toFixed(2)} ms, p99 <= ${p99.toFixed(1)} ms (bucket bound; limit ${LIMIT_MS} ms)`,
    );
    log(
      `  load generator: ${result.summary.request_throughput.toFixed(1)} req/s completed, client p99 lateness ${result.summary.client_lateness_p99_ms.toFixed(2)} ms, valid: ${result.summary.valid}`,
    );
    log(`  verdict: ${p99 <= LIMIT_MS ? 'keeps real time' : 'FALLS BEHIND'}`);
  } finally {
    await sim.stop();
  }
}
