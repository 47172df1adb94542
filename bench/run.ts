import { parseAccuracyArgs, runCapacityAccuracy } from './capacity-accuracy.ts';
import { parseCapacityGateArgs, runCapacityGate } from './capacity-gate.ts';
import { runClientCapacity } from './client-capacity.ts';
import { parseGateStudyArgs, runGateStudy } from './gate-study.ts';
import { runMicro } from './micro.ts';
import { runSimRealtime } from './sim-realtime.ts';

/**
 * `npm run bench` (= `node bench/run.ts`): runs every benchmark module in order and prints
 * its results. `npm run bench -- micro` (or `client-capacity`, or several names) runs a subset.
 * Flags after the names go to the selected modules: `npm run bench -- gate-study --repeats 20`.
 *
 * To add a benchmark, append a module to `benchmarks` below. Each one is self-contained: it
 * starts what it needs, bounds its own duration and prints its own report through `log`.
 */
export interface BenchmarkModule {
  /** Short name used on the command line. */
  name: string;
  description: string;
  run(log: (line: string) => void, args: readonly string[]): Promise<void>;
}

export const benchmarks: BenchmarkModule[] = [
  {
    name: 'micro',
    description: 'tinybench microbenchmarks: SSE parsing, percentiles, summarize()',
    run: (log) => runMicro(log),
  },
  {
    name: 'client-capacity',
    description: 'highest streamed chunk rate at p99 timing error < 1 ms: ours vs Python asyncio/aiohttp',
    run: async (log) => {
      await runClientCapacity({ log });
    },
  },
  {
    name: 'sim-realtime',
    description:
      "the simulator's p99 step lateness at 4-way data parallel, 60 req/s, with the load generator beside it",
    run: (log) => runSimRealtime(log),
  },
  {
    name: 'gate-study',
    description:
      'baseline gate on the simulator: false alarms (same server, new seeds) and power (--fault-slowdown 1.1, 1.2), host idle and busy',
    run: async (log, args) => {
      await runGateStudy(log, parseGateStudyArgs(args));
    },
  },
  {
    name: 'capacity-accuracy',
    description:
      'findCapacity against the slot server over 10 seeds (--server m-d-4|batch-48, --seeds N, --large budget): brackets vs the simulated truth, probes',
    run: async (log, args) => {
      await runCapacityAccuracy(log, parseAccuracyArgs(args));
    },
  },
  {
    name: 'capacity-gate',
    description:
      'the capacity gate (confirm the recorded answer) on the slot server: false alarms (same server) and power (1.1x, 1.2x slower), host idle and busy (--server, --baselines N, --repeats N, --hosts, --record-large, --confirm-large, --slowdowns, --seed-base)',
    run: async (log, args) => {
      await runCapacityGate(log, parseCapacityGateArgs(args));
    },
  },
];

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const firstFlag = argv.findIndex((a) => a.startsWith('--'));
  const wanted = firstFlag < 0 ? argv : argv.slice(0, firstFlag);
  const args = firstFlag < 0 ? [] : argv.slice(firstFlag);
  const unknown = wanted.filter((name) => !benchmarks.some((b) => b.name === name));
  if (unknown.length > 0) {
    console.error(
      `unknown benchmark(s): ${unknown.join(', ')}; known: ${benchmarks.map((b) => b.name).join(', ')}`,
    );
    process.exit(2);
  }
  const selected = wanted.length > 0 ? benchmarks.filter((b) => wanted.includes(b.name)) : benchmarks;
  const log = (line: string) => console.log(line);
  const started = performance.now();
  log(`servebench benchmarks — Node ${process.version}, ${new Date().toISOString()}`);
  for (const bench of selected) {
    const t0 = performance.now();
    log(`\n=== ${bench.name}: ${bench.description} ===`);
    await bench.run(log, args);
    log(`(${bench.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  log(`\nall benchmarks: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (import.meta.main) await main();
