import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { findCapacity } from '../src/capacity/find-capacity.ts';
import type { CapacityProbe, CapacityResult } from '../src/capacity/result.ts';
import type { CapacitySearchInput, CapacitySloInput } from '../src/capacity/spec.ts';
import { capacityTruth, type SlotTiming } from '../src/testing/slot-queue.ts';
import { choiceFlag, positive } from './flags.ts';

const serverEntry = new URL('../src/testing/slot-server.ts', import.meta.url).pathname;

/**
 * The slot server in a process of its own, as a real server would be: in the client's process
 * its chunk timers and the client's sends would share one event loop.
 */
export async function spawnSlotServer(timing: SlotTiming): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      serverEntry,
      '--slots',
      String(timing.slots),
      '--ttft-ms',
      String(timing.ttftMs),
      '--itl-ms',
      String(timing.itlMs),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout });
  const timeout = setTimeout(() => child.kill(), 30_000);
  try {
    for await (const line of lines) {
      const url = /listening on (\S+)/.exec(line)?.[1];
      if (url) {
        return {
          url,
          stop: async () => {
            child.kill('SIGTERM');
            if (child.exitCode === null) await once(child, 'exit');
          },
        };
      }
    }
  } finally {
    clearTimeout(timeout);
  }
  throw new Error('the slot server exited before it listened');
}

/**
 * The bench's servers, each with an SLO whose capacity is known (slot-queue.ts simulates the
 * queue). `m-d-4`: 4 slots, a shallow attainment curve (0.913 at 0.975x capacity, 0.885 at
 * 1.025x): the hard case, where a 5 % bracket needs thousands of requests per probe. `batch-48`:
 * 48 slots of long service, like a batching engine, whose attainment falls steeply past capacity
 * (0.935 at 0.975x, 0.848 at 1.025x).
 */
export const accuracySetups = {
  'm-d-4': {
    timing: { slots: 4, ttftMs: 20, itlMs: 2, tokens: 8 },
    /** 90 % of requests with a queue-inclusive TTFT within 40 ms (the queue wait within 20 ms). */
    slo: { goodput: { ttft: 40 }, attainment: 0.9 },
  },
  'batch-48': {
    timing: { slots: 48, ttftMs: 50, itlMs: 60, tokens: 8 },
    /** 90 % of requests with a queue-inclusive TTFT within 100 ms (the queue wait within 50 ms). */
    slo: { goodput: { ttft: 100 }, attainment: 0.9 },
  },
} satisfies Record<string, { timing: SlotTiming; slo: CapacitySloInput & { goodput: { ttft: number } } }>;

export type AccuracyServer = keyof typeof accuracySetups;

export const accuracyBudgets = {
  /** The default budget of 12 load runs, with probes of at most 400 judged requests. */
  default: { maxRequests: 400, precision: 0.05 },
  /** A larger budget: 20 runs, probes of 200 to 1600 judged requests. */
  large: { maxProbes: 20, minRequests: 200, maxRequests: 1600, precision: 0.05 },
} satisfies Record<string, CapacitySearchInput>;

export interface AccuracyRun {
  seed: number;
  result: CapacityResult;
  /** How far the truth lies outside [max_passing, min_failing], relative to the truth (0 inside). */
  bracketError: number;
  /** (max_passing - truth) / truth: the answer's error (null when nothing passed). */
  answerError: number | null;
  wallS: number;
}

/** Distance of the truth from the bracket, relative to the truth; 0 when the bracket holds it. */
export function bracketError(result: CapacityResult, truth: number): number {
  const lo = result.max_passing ?? 0;
  const hi = result.min_failing ?? Number.POSITIVE_INFINITY;
  if (truth < lo) return (lo - truth) / truth;
  if (truth > hi) return (truth - hi) / truth;
  return 0;
}

/** One line per load run, for CAPACITY_TRACE=1. */
const describeProbe = (p: CapacityProbe) =>
  `#${p.index} ${p.phase} ${p.load.toFixed(2)} (served ${p.throughput.toFixed(1)}): ${p.verdict} on ${p.judgedRequests} (+${p.extensions} ext) ` +
  p.objectives
    .map((o) => `${o.objective} ${o.measured.toFixed(3)} [${o.ci[0].toFixed(3)}, ${o.ci[1].toFixed(3)}]`)
    .join(', ') +
  (p.invalidReasons.length > 0 ? ` invalid: ${p.invalidReasons.join('; ').slice(0, 120)}` : '');

const median = (xs: number[]) => {
  const s = xs.toSorted((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const pct = (x: number | null) => (x === null ? '-' : `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)} %`);
const fmt = (x: number | null) => (x === null ? '-' : x.toFixed(1));

/**
 * Capacity search accuracy: `findCapacity` against the slot server over `seeds` independent
 * searches (seeds 1000 apart, so no two share a probe's arrivals), each compared with the
 * simulated truth. Reports every bracket, its error against the truth, and the probes it took.
 * CAPACITY_TRACE=1 prints every load run; CAPACITY_SEED=n runs that seed only (with seeds = 1).
 */
export interface AccuracyOptions {
  seeds: number;
  server: AccuracyServer;
  budget: keyof typeof accuracyBudgets;
}

export const accuracyServers = Object.keys(accuracySetups) as AccuracyServer[];

/** `--server m-d-4|batch-48 --seeds N --large` */
export function parseAccuracyArgs(args: readonly string[]): AccuracyOptions {
  const { values } = parseArgs({
    args: [...args],
    options: { server: { type: 'string' }, seeds: { type: 'string' }, large: { type: 'boolean' } },
    strict: true,
    allowPositionals: false,
  });
  return {
    seeds: values.seeds === undefined ? 10 : positive('seeds', values.seeds, true),
    server: choiceFlag('server', values.server ?? 'm-d-4', accuracyServers),
    budget: values.large ? 'large' : 'default',
  };
}

/** Loads probed: a probe's extensions and retries at the same load count once. */
export const distinctLoads = (result: CapacityResult) =>
  new Set(result.probes.map((p) => `${p.phase === 'saturate' ? 'saturate' : p.load}`)).size;

export async function runCapacityAccuracy(
  log: (line: string) => void,
  { seeds, server: serverName, budget }: AccuracyOptions,
): Promise<AccuracyRun[]> {
  const { timing, slo } = accuracySetups[serverName];
  const search = accuracyBudgets[budget];
  const truth = capacityTruth(timing, slo.goodput.ttft, slo.attainment);
  log(
    `slot server: ${timing.slots} slots, TTFT ${timing.ttftMs} ms + ${timing.tokens - 1} x ${timing.itlMs} ms; ` +
      `SLO: ${100 * slo.attainment} % of requests within queue-inclusive TTFT ${slo.goodput.ttft} ms; ` +
      `truth (M/D/${timing.slots}, 10^6 simulated arrivals): ${truth.toFixed(2)} req/s`,
  );
  log(`search: ${JSON.stringify(search)} (${budget} budget)`);
  log(
    '| seed | max_passing | min_failing | gap | truth in bracket | bracket error | answer error | stop | probes (loads) | load runs | wall s |',
  );
  log('|---|---|---|---|---|---|---|---|---|---|---|');
  const runs: AccuracyRun[] = [];
  const server = await spawnSlotServer(timing);
  try {
    for (let i = 0; i < seeds; i++) {
      const seed = Number(process.env.CAPACITY_SEED ?? 1000 * (i + 1));
      const started = performance.now();
      const result = await findCapacity(
        {
          baseUrl: server.url,
          dataset: { name: 'random', input_len: 8, output_len: timing.tokens },
          maxLatenessP99Ms: 50,
          seed,
        },
        slo,
        search,
        { onProbe: process.env.CAPACITY_TRACE ? (p) => log(`    ${describeProbe(p)}`) : undefined },
      );
      const run: AccuracyRun = {
        seed,
        result,
        bracketError: bracketError(result, truth),
        answerError: result.max_passing === null ? null : (result.max_passing - truth) / truth,
        wallS: (performance.now() - started) / 1000,
      };
      runs.push(run);
      log(
        `| ${seed} | ${fmt(result.max_passing)} | ${fmt(result.min_failing)} | ${pct(result.gap)} | ${run.bracketError === 0 ? 'yes' : 'no'} | ` +
          `${pct(run.bracketError)} | ${pct(run.answerError)} | ${result.stop_reason} | ${distinctLoads(result)} | ${result.probes.length} | ${run.wallS.toFixed(1)} |`,
      );
    }
  } finally {
    await server.stop();
  }
  const probes = runs.map((r) => r.result.probes.length);
  const loads = runs.map((r) => distinctLoads(r.result));
  const precise = runs.filter((r) => r.result.stop_reason === 'precision');
  const answers = runs.flatMap((r) => (r.answerError === null ? [] : [Math.abs(r.answerError)]));
  log(
    `truth inside the bracket: ${runs.filter((r) => r.bracketError === 0).length} of ${runs.length}; ` +
      `bracket error median ${pct(median(runs.map((r) => r.bracketError)))}, max ${pct(Math.max(...runs.map((r) => r.bracketError)))}; ` +
      `|answer error| median ${pct(median(answers))}, max ${pct(Math.max(...answers))}; ` +
      `${precise.length} of ${runs.length} reached the precision (${precise.filter((r) => r.bracketError === 0).length} holding the truth); ` +
      `probes median ${median(loads)}, max ${Math.max(...loads)}; load runs median ${median(probes)}, max ${Math.max(...probes)}; wall median ${median(runs.map((r) => r.wallS)).toFixed(1)} s`,
  );
  return runs;
}

/** `node bench/capacity-accuracy.ts [--server m-d-4|batch-48] [--seeds N] [--large]` */
if (import.meta.main) {
  await runCapacityAccuracy((line) => console.log(line), parseAccuracyArgs(process.argv.slice(2)));
}
