import { parseArgs } from 'node:util';
import { confirmAnswer, findCapacity } from '../src/capacity/find-capacity.ts';
import type { CapacityResult } from '../src/capacity/result.ts';
import type { ProbeBaseInput } from '../src/capacity/spec.ts';
import { capacityTruth, type SlotTiming } from '../src/testing/slot-queue.ts';
import {
  type AccuracyServer,
  accuracyBudgets,
  accuracyServers,
  accuracySetups,
  distinctLoads,
  spawnSlotServer,
} from './capacity-accuracy.ts';
import { choiceFlag, type Host, hostsFlag, positive } from './flags.ts';
import { busyNeighbours, percentInterval } from './host-load.ts';

/**
 * How often does the capacity gate cry wolf, and how often does it sleep? As a pull request meets
 * it: a baseline is recorded by a full search on the slot server (as `-u` does), then each repeat
 * confirms that answer (confirmAnswer, the Vitest gate's own code) on the same server (every
 * 'regressed' is a false alarm), and on servers whose every latency is 1.1x and 1.2x longer
 * (every 'regressed' a catch). Conditions interleave, so a drift of the host's load touches them
 * alike; every confirmation has seeds of its own. Several baselines, since where a search put
 * max_passing decides how close to the boundary every later confirmation probes.
 */
export interface CapacityGateOptions {
  server: AccuracyServer;
  baselines: number;
  repeats: number;
  slowdowns: number[];
  hosts: Host[];
  busyProcesses: number;
  /** The budgets baselines are recorded with and confirmations run with. */
  recordBudget: keyof typeof accuracyBudgets;
  confirmBudget: keyof typeof accuracyBudgets;
  /** Added to every seed, so processes run side by side (on a many-core host) draw their own. */
  seedBase: number;
}

export const defaultCapacityGateOptions: CapacityGateOptions = {
  server: 'm-d-4',
  baselines: 2,
  repeats: 10,
  slowdowns: [1.1, 1.2],
  hosts: ['idle', 'busy'],
  busyProcesses: 4,
  recordBudget: 'default',
  confirmBudget: 'default',
  seedBase: 0,
};

type Outcome = 'regressed' | 'undecided' | 'ok' | 'improved';

/** The gate's verdict on a confirmation, as capacity-baseline.ts words it. */
function outcomeOf(result: CapacityResult, recorded: CapacityResult): Outcome {
  if (result.stop_reason === 'not-confirmed') return 'regressed';
  if (result.stop_reason === 'unresolved') return 'undecided';
  return recorded.min_failing !== null && result.max_passing === recorded.min_failing ? 'improved' : 'ok';
}

const slower = (timing: SlotTiming, factor: number): SlotTiming => ({
  ...timing,
  ttftMs: timing.ttftMs * factor,
  itlMs: timing.itlMs * factor,
});

export async function runCapacityGate(
  log: (line: string) => void,
  options: CapacityGateOptions = defaultCapacityGateOptions,
): Promise<void> {
  const { timing, slo } = accuracySetups[options.server];
  const search = accuracyBudgets[options.confirmBudget];
  const factors = [1, ...options.slowdowns];
  const truths = factors.map((f) => capacityTruth(slower(timing, f), slo.goodput.ttft, slo.attainment));
  log(
    `capacity gate on the slot server ${options.server}; SLO ${JSON.stringify(slo)}; confirmations ${JSON.stringify(search)}; ` +
      `baselines ${JSON.stringify(accuracyBudgets[options.recordBudget])}; ` +
      `truth ${factors.map((f, i) => `${f}x: ${truths[i]?.toFixed(2)} req/s`).join(', ')}`,
  );
  const servers = await Promise.all(factors.map((f) => spawnSlotServer(slower(timing, f))));
  const base = (url: string, seed: number): ProbeBaseInput => ({
    baseUrl: url,
    dataset: { name: 'random', input_len: 8, output_len: timing.tokens },
    maxLatenessP99Ms: 50,
    seed,
  });
  const rows: string[] = [];
  try {
    for (const [h, host] of options.hosts.entries()) {
      const neighbours = host === 'busy' ? busyNeighbours(options.busyProcesses) : null;
      const counts = factors.map(() => ({ regressed: 0, undecided: 0, ok: 0, improved: 0, invalidRuns: 0 }));
      try {
        for (let b = 0; b < options.baselines; b++) {
          const seedBase = options.seedBase + 1_000_000 * (h + 1) + 100_000 * b;
          const recorded = await findCapacity(
            base(servers[0]?.url as string, seedBase),
            slo,
            accuracyBudgets[options.recordBudget],
          );
          log(
            `  host ${host}, baseline ${b + 1}: max_passing ${recorded.max_passing} (${recorded.max_passing === null ? '-' : ((recorded.max_passing / (truths[0] as number) - 1) * 100).toFixed(1)} % vs truth), ` +
              `min_failing ${recorded.min_failing}, ${recorded.stop_reason}, ${distinctLoads(recorded)} probes`,
          );
          if (recorded.max_passing === null) continue;
          for (let r = 0; r < options.repeats; r++) {
            for (const [i, server] of servers.entries()) {
              const seed = seedBase + 1000 * (r + 1) + 100 * i;
              const result = await confirmAnswer(base(server.url, seed), slo, search, recorded);
              const count = counts[i] as (typeof counts)[number];
              const outcome = outcomeOf(result, recorded);
              count[outcome]++;
              // One line per confirmation, so a run cut short still leaves its counts behind.
              log(`    confirmation ${host} ${factors[i]}x seed ${seed}: ${outcome}`);
              count.invalidRuns += result.probes.filter((p) => p.verdict === 'invalid').length;
            }
          }
        }
      } finally {
        await neighbours?.stop();
      }
      for (const [i, f] of factors.entries()) {
        const c = counts[i] as (typeof counts)[number];
        const n = c.regressed + c.undecided + c.ok + c.improved;
        const [lo, hi] = percentInterval(c.regressed, n);
        rows.push(
          `| ${host} | ${f === 1 ? 'same server (A/A)' : `${f}x slower (truth ${(truths[i] as number).toFixed(1)})`} | ${n} | ` +
            `${c.regressed} | ${n > 0 ? ((100 * c.regressed) / n).toFixed(0) : '-'} % [${lo.toFixed(0)}, ${hi.toFixed(0)}] | ` +
            `${c.undecided} | ${c.ok} | ${c.improved} | ${c.invalidRuns} | ${f === 1 ? 'false alarms <= 1 %' : 'power >= 90 %'} |`,
        );
      }
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
  log(
    '| host | server | confirmations | regressed | regressed % [95 %] | undecided | ok | improved | invalid runs | goal |',
  );
  log('|---|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) log(row);
}

/**
 * Flags: `--server m-d-4|batch-48 --baselines N --repeats N --hosts idle,busy --record-large
 * --confirm-large --slowdowns 1.1,1.2 (or '' for A/A only) --seed-base N`.
 */
export function parseCapacityGateArgs(args: readonly string[]): CapacityGateOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      server: { type: 'string' },
      baselines: { type: 'string' },
      repeats: { type: 'string' },
      hosts: { type: 'string' },
      'record-large': { type: 'boolean' },
      'confirm-large': { type: 'boolean' },
      slowdowns: { type: 'string' },
      'seed-base': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const d = defaultCapacityGateOptions;
  return {
    ...d,
    server: values.server === undefined ? d.server : choiceFlag('server', values.server, accuracyServers),
    baselines: values.baselines === undefined ? d.baselines : positive('baselines', values.baselines, true),
    repeats: values.repeats === undefined ? d.repeats : positive('repeats', values.repeats, true),
    hosts: values.hosts === undefined ? d.hosts : hostsFlag(values.hosts),
    recordBudget: values['record-large'] ? 'large' : 'default',
    confirmBudget: values['confirm-large'] ? 'large' : 'default',
    slowdowns:
      values.slowdowns === undefined
        ? d.slowdowns
        : values.slowdowns === ''
          ? []
          : values.slowdowns.split(',').map((f) => positive('slowdowns', f, false)),
    seedBase:
      values['seed-base'] === undefined ? d.seedBase : positive('seed-base', values['seed-base'], true),
  };
}

if (import.meta.main) {
  await runCapacityGate((line) => console.log(line), parseCapacityGateArgs(process.argv.slice(2)));
}
